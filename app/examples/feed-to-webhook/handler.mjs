// Every hour: read a feed (RSS or Atom) and post each item published since the previous run to a
// webhook (Slack, Discord, or any URL that takes a JSON POST). Needs the secret WEBHOOK_URL: add it
// on the Secrets page. To try it, the event body may name another feed and a longer window:
//   {"feed_url": "https://example.com/feed.xml", "since_minutes": 10080}
import Parser from "rss-parser";

const FEED_URL = "https://nodejs.org/en/feed/blog.xml";
const SINCE_MINUTES = 60; // the schedule's period, so each item is posted by one run

export default async function handler(event, ctx) {
  const options = event.body ?? {};
  const webhook = process.env.WEBHOOK_URL;
  if (!webhook) throw new Error("add the secret WEBHOOK_URL (Secrets page) and tick it under Secrets");

  // the window ends at the scheduled time, so a run that starts late neither skips nor repeats items
  const until = Date.parse(event.scheduled_at ?? "") || Date.now();
  const since = until - (options.since_minutes ?? SINCE_MINUTES) * 60_000;
  const feed = await new Parser({ timeout: 10_000 }).parseURL(options.feed_url ?? FEED_URL);
  const fresh = feed.items
    .map((item) => ({ item, published: Date.parse(item.isoDate ?? item.pubDate ?? "") }))
    .filter(({ published }) => published >= since && published < until)
    .sort((a, b) => a.published - b.published) // oldest first
    .map(({ item }) => item);

  for (const item of fresh) {
    const response = await fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: `${item.title}\n${item.link}`,
        title: item.title,
        link: item.link,
        published: item.isoDate ?? item.pubDate,
        feed: feed.title,
      }),
    });
    if (!response.ok) throw new Error(`the webhook answered ${response.status} for "${item.title}"`);
  }
  console.log(`${feed.title}: ${feed.items.length} item(s), ${fresh.length} posted`);
  return { feed: feed.title, posted: fresh.map((item) => item.title) };
}
