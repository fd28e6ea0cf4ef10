"""Reading what agencies send: ninjs, RSS and Atom into entries; hostile XML refused."""

import json
import time
from pathlib import Path

import jsonschema
import pytest

from wires.feeds import FeedError, html_to_copy, parse_feed

DATA = Path(__file__).resolve().parent / "data" / "wires"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize("name", ["ninjs.json", "ninjs-updated.json"])
def test_the_ninjs_fixtures_are_valid_ninjs_2_2(name):
    schema = json.loads(read("ninjs-schema_2.2.json"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for item in json.loads(read(name)):
        assert list(validator.iter_errors(item)) == []


def test_a_ninjs_list_gives_one_entry_per_item_with_its_version():
    parsed = parse_feed("ninjs", read("ninjs.json"))
    assert parsed.skipped == []
    rates, strike, cup = parsed.entries
    assert rates.guid == "urn:newsml:wire.example.com:20251130:central-bank-rates"
    assert (rates.version, strike.version, cup.version) == (1, 1, 3)
    assert rates.headline == "Central bank holds rates as inflation cools"
    assert rates.byline == "Ana Lopes"
    assert rates.summary.startswith("The bank kept its key rate at 4.5%")
    assert rates.body_text.startswith("The central bank kept its key interest rate")
    assert rates.updated_at.isoformat() == "2025-11-30T06:02:00+00:00"
    assert cup.published_at.isoformat() == "2025-11-29T21:15:00+00:00"


def test_a_ninjs_html_body_is_sanitized_and_read_as_copy():
    strike = parse_feed("ninjs", read("ninjs.json")).entries[1]
    assert "<script" not in strike.body_html and "alert" not in strike.body_html
    assert "<strong>six weeks</strong>" in strike.body_html
    # The heading becomes a label line of its own; the script's text is gone.
    assert strike.body_text.split("\n\n") == [
        "About 3,000 dock workers walked off the job at the port of Santa Clara on Thursday, "
        "halting container traffic.",
        "Driving the news",
        "Talks over a new contract broke down late Wednesday after six weeks of negotiation.",
        "Between the lines: The port handles a third of the country's exports.",
    ]


def test_a_single_ninjs_item_or_an_items_object_is_read_too():
    item = json.loads(read("ninjs.json"))[2]
    assert len(parse_feed("ninjs", json.dumps(item).encode()).entries) == 1
    wrapped = json.dumps({"items": [item, item]}).encode()
    assert len(parse_feed("ninjs", wrapped).entries) == 2


def test_ninjs_1_fields_are_read():
    item = {"uri": "urn:x:1", "version": "2", "headline": "Old format", "body_text": "Text."}
    (entry,) = parse_feed("ninjs", json.dumps([item]).encode()).entries
    assert (entry.headline, entry.body_text, entry.version) == ("Old format", "Text.", 2)


def test_ninjs_items_without_an_id_or_text_or_that_are_pictures_are_skipped_with_reasons():
    items = [
        {"headlines": [{"value": "No uri"}]},
        {"uri": "urn:x:2"},
        {"uri": "urn:x:3", "type": "picture", "headlines": [{"value": "A photo"}]},
        "not an object",
        {"uri": "urn:x:5", "headlines": [{"value": "Fine"}]},
    ]
    parsed = parse_feed("ninjs", json.dumps(items).encode())
    assert [e.guid for e in parsed.entries] == ["urn:x:5"]
    assert parsed.skipped == [
        "item 1 was skipped: it has no uri",
        "item 2 was skipped: it has neither a headline nor a body",
        "item 3 was skipped: it is a picture, not text",
        "item 4 was skipped: it is not an object",
    ]


def test_a_cancelled_ninjs_item_says_so():
    strike = parse_feed("ninjs", read("ninjs-updated.json")).entries[1]
    assert (strike.pubstatus, strike.version) == ("canceled", 2)


@pytest.mark.parametrize(
    "data", [b"{not json", b'{"data": 1}', b"42", "ü".encode("latin-1"), b"[" * 100_000]
)
def test_json_that_is_not_ninjs_is_refused(data):
    with pytest.raises(FeedError):
        parse_feed("ninjs", data)


def test_rss_items_are_read_with_their_html_sanitized():
    parsed = parse_feed("rss", read("rss.xml"), "application/rss+xml")
    floods, law, comet = parsed.entries
    assert floods.guid == "wire-example-2025-11-30-delta-floods"
    assert law.guid == "https://wire.example.com/world/2025/11/30/data-law"
    assert floods.version is None  # RSS numbers no versions: the ingest counts them
    assert floods.byline == "Priya Nair"
    assert floods.summary.startswith("Rising water has forced")
    assert "<img" not in floods.body_html and "onerror" not in floods.body_html
    assert "• 40 villages cut off by road" in floods.body_text
    assert "Why it matters: The delta grows" in floods.body_text
    assert law.body_text.startswith("Lawmakers approved the bill 212 to 98")
    assert comet.body_text.endswith("The big picture: It is the brightest since 2016.")
    assert floods.published_at.isoformat() == "2025-11-30T07:45:00+00:00"


def test_atom_entries_are_read():
    jobs, airline, grocery = parse_feed("atom", read("atom.xml")).entries
    assert jobs.guid == "tag:wire.example.com,2025:business/carmaker-jobs"
    assert jobs.byline == "Jonas Weber"
    assert jobs.summary == "The company will close one plant and cut shifts at two others."
    assert "Yes, but: Unions say" in jobs.body_text
    assert airline.body_html == ""
    assert airline.summary == ""  # not the content repeated
    assert "State of play: Seats" in airline.body_text
    assert grocery.body_text == "Food prices rose 0.6% in November, led by coffee and fresh fruit."
    assert grocery.updated_at.isoformat() == "2025-11-30T06:50:00+00:00"


def test_xml_that_is_not_well_formed_is_refused():
    with pytest.raises(FeedError, match="not well-formed XML"):
        parse_feed("rss", read("broken.xml"))


def test_the_entity_bomb_is_refused_before_it_expands():
    started = time.monotonic()
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed("rss", read("bomb.xml"))
    assert time.monotonic() - started < 1


def test_external_entities_are_never_read():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><item><title>&xxe;</title><guid>1</guid></item>'
        b"</channel></rss>"
    )
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed("rss", xxe)


def test_xml_that_is_no_feed_is_refused():
    with pytest.raises(FeedError, match="neither RSS nor Atom"):
        parse_feed("rss", b"<?xml version='1.0'?><html><body>Hello</body></html>")


def test_html_becomes_copy_the_parser_reads():
    html = (
        "<div><h3>Why it matters</h3><p>It  matters\n a lot.</p>"
        "<p><b>By the numbers:</b><br>Two figures</p><ul><li>One</li><li></li><li>Two</li></ul>"
        "<style>p{color:red}</style><script>steal()</script><p>Caf&eacute; &amp; bar</p></div>"
    )
    assert html_to_copy(html) == (
        "Why it matters\n\nIt matters a lot.\n\nBy the numbers:\nTwo figures\n\n• One\n\n• Two"
        "\n\nCafé & bar"
    )
