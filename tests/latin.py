"""Reading a page as a Persian reader would: the texts they see or hear, and the words in
them written in Latin script (``tests/test_persian_words.py``,
``tests/test_newsletter_persian.py``)."""

import re

from lxml import etree, html

#: The share buttons' networks: brand names, written as their owners write them.
BRANDS = {"Facebook", "WhatsApp", "Telegram", "Bluesky", "LinkedIn"}
#: Written in Latin script in Persian too: the feed format and the time zone of dates.
ABBREVIATIONS = {"RSS", "UTC"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
#: Attributes a reader meets (read aloud, shown on hover or in an empty field).
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
#: Meta tags whose content search engines and link previews show.
READ_META = re.compile(r"^(description|og:title|og:description|twitter:title|twitter:description)$")


def marked_foreign(element) -> bool:
    """Whether ``element`` or one around it says it is in a language other than Persian."""
    for node in (element, *element.iterancestors()):
        language = node.get("lang")
        if language:
            return language != "fa"
    return False


def what_a_reader_meets(document) -> list[str]:
    """The texts of an HTML page a reader sees or hears, Persian or not."""
    for unseen in document.xpath("//script|//style"):
        unseen.drop_tree()
    texts = [document.findtext(".//title") or ""]
    for element in document.iter(etree.Element):
        if element.tag == "meta":
            if READ_META.match(element.get("name") or element.get("property") or ""):
                texts.append(element.get("content", ""))
            continue
        if marked_foreign(element):
            continue
        texts += [element.text or "", *(element.get(name, "") for name in READ_ATTRIBUTES)]
        if element.tail and not marked_foreign(element.getparent()):
            texts.append(element.tail)
    return texts


def allowed_words(*names: str) -> set[str]:
    """The Latin-script words of ``names`` (the site's, people's, tags'…), and those of the
    brands and abbreviations that stay in Latin script in Persian too."""
    return {word for name in (*names, *BRANDS, *ABBREVIATIONS) for word in LATIN_WORD.findall(name)}


def latin_words(texts, allowed: set[str]) -> list[str]:
    return [word for text in texts for word in LATIN_WORD.findall(text) if word not in allowed]


def page_text(client, path: str, status: int = 200) -> list[str]:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    document = html.fromstring(response.content)
    assert document.get("lang") == "fa", path
    return what_a_reader_meets(document)
