# Tidies a list of sign-ups: trims and capitalises names, lower-cases emails, reads dates written
# any which way (python-dateutil; 01/02/2025 is 1 February), and drops duplicates and rows it cannot
# read, saying why.
# Send your own list as the event body, e.g. [{"name": " ada ", "email": "ADA@x.org", "joined": "1 May 2025"}];
# with no body it tidies the sample below.
import re

from dateutil import parser

SAMPLE = [
    {"name": "  Ada Lovelace ", "email": "ADA@Example.com", "joined": "10 December 2024"},
    {"name": "grace   hopper", "email": " grace@example.com", "joined": "2024-12-09T14:30:00Z"},
    {"name": "ada lovelace", "email": "ada@example.com", "joined": "Dec 10, 2024"},
    {"name": "Alan Turing", "email": "alan(at)example.com", "joined": "23/06/2024"},
    {"name": "Katherine Johnson", "email": "kj@example.com", "joined": "sometime soon"},
    {"name": "Edsger Dijkstra", "email": "edsger@example.com", "joined": "11/05/2024"},
]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_date(text):
    try:
        return parser.isoparse(text)  # 2025-02-01, 2025-02-01T09:30:00Z
    except ValueError:
        return parser.parse(text, dayfirst=True)  # 1 Feb 2025, Feb 1, 2025, 01/02/2025


def tidy(record):
    """The record cleaned up, or the reason it cannot be."""
    name = " ".join(str(record.get("name", "")).split()).title()
    email = str(record.get("email", "")).strip().lower()
    if not name:
        raise ValueError("no name")
    if not EMAIL.match(email):
        raise ValueError(f"not an email address: {email!r}")
    try:
        joined = read_date(str(record.get("joined", ""))).date().isoformat()
    except (ValueError, OverflowError):
        raise ValueError(f"not a date: {record.get('joined')!r}") from None
    return {"name": name, "email": email, "joined": joined}


def handler(event, ctx):
    records = event.get("body") or SAMPLE
    kept, dropped, seen = [], [], set()
    for number, record in enumerate(records, start=1):
        try:
            clean = tidy(record if isinstance(record, dict) else {})
        except ValueError as exc:
            dropped.append({"row": number, "why": str(exc)})
            continue
        if clean["email"] in seen:
            dropped.append({"row": number, "why": f"{clean['email']} again"})
            continue
        seen.add(clean["email"])
        kept.append(clean)
    print(f"kept {len(kept)} of {len(records)} record(s)")
    return {"kept": kept, "dropped": dropped}
