// An HTTP hook that answers with what it was sent. Save it, then call the hook URL under Trigger:
//   curl -X POST <hook URL>/any/path?a=1 -H 'content-type: application/json' -d '{"hello": "world"}'
// Try it here first: the event box below is the request's JSON body.
export default async function handler(event, ctx) {
  console.log(`${event.method ?? "try-out"} ${event.path ?? "/"}`, JSON.stringify(event.body));
  return {
    statusCode: 200,
    headers: { "x-runpad-run": ctx.run_id },
    body: {
      received: event.body ?? null,
      method: event.method ?? null,
      path: event.path ?? "/",
      query: event.query ?? {},
      at: new Date().toISOString(),
    },
  };
}
