import base64
from urllib.parse import quote, quote_plus

from app.services.redaction import Redactor

SECRET = "s3cr3t value/+&="


def test_value_and_its_encodings_are_masked():
    r = Redactor([SECRET])
    encoded = [
        SECRET,
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        quote(SECRET, safe=""),
        quote_plus(SECRET),
    ]
    for form in encoded:
        assert r.text(f"before {form} after") == "before *** after"


def test_json_values_are_masked_deeply_and_empty_values_ignored():
    r = Redactor([SECRET, ""])
    assert r.value({"k": [SECRET, 1, {SECRET: "x"}]}) == {"k": ["***", 1, {"***": "x"}]}
    assert Redactor([]).text("anything") == "anything"
