import dayjs from "dayjs";

// Answers its hook URL: POST {"name": "Ann"} -> {"greeting": "Hello, Ann", "at": "..."}
export default async function handler(event, ctx) {
  const name = event.body?.name ?? "world";
  console.log("greeting", name);
  return { greeting: `Hello, ${name}`, at: dayjs().format() };
}
