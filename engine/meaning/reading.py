"""One contribution read: its terms (lemmas, stop words out, named things of several
words kept) and its title (a key phrase or its first words, at most six).

A term is a content word's lemma (`donnée` for `données`) or a named thing of two or
three words whose parts are nouns or adjectives, side by side or joined by `de`, `à`,
`au` (`vie privée`, `budget participatif`, `tirage au sort`). Whether a named thing
recurs enough to stand for its parts is the lexicon's to say, over the whole carte.
Hashtags, keyword files and a Markdown heading weigh more than running text. Reading
depends on the text and tags only, so it is done once, off the frame thread, and kept
with the contribution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.meaning.language import Language, Token, words

TITLE_WORDS = 6
TERMS = 24  # the most a reading keeps (a page says more, but the map names few)
WEIGHT = {"text": 1.0, "heading": 1.5, "hashtag": 2.0, "keyword": 2.0}
VERB = 0.6  # a verb says less of what a contribution is about than a noun
NAMED_BONUS = 1.5  # a named thing of several words is more specific than its parts
# words a title does not end on (it would dangle)
DANGLING = words("""à au aux avec dans de des du en et la le les mais ni nos notre
nous on ou par pour que qui sans son sa ses sur un une leur leurs ce cette ces mon ma mes
ton ta tes vos votre plus moins très est sont a ont""")
HEADING = re.compile(r"^\s*#{1,6}\s+")
MARKUP = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
BULLET = re.compile(r"^\s*[-*+•]\s+", re.MULTILINE)
CLAUSE = re.compile(r"[,;:—–]$")
SENTENCE = re.compile(r"[.!?…]+[»\"”]?$")


class Term(NamedTuple):
    """A term: `key` its lemmas (its identity on the carte), `form` as it was said,
    `weight` how much this contribution says it (a named tuple: a restart makes ten
    thousand readings' worth of them)."""

    key: str
    form: str
    weight: float


@dataclass(frozen=True)
class Reading:
    """What a contribution says: its terms, heaviest first, and its title."""

    terms: tuple[Term, ...] = ()
    title: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"terms": [[t.key, t.form, round(t.weight, 3)] for t in self.terms],
                "title": self.title}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        return cls(tuple(Term(str(k), str(f), float(w)) for k, f, w in data.get("terms", ())),
                   str(data.get("title", "")))


def plain(text: str, markdown: bool) -> tuple[str, str]:
    """The text without Markdown's marks, and its heading (a first line set as one)."""
    if not markdown:
        return text, ""
    lines = text.splitlines()
    heading = ""
    first = next((line for line in lines if line.strip()), "")
    if HEADING.match(first):
        heading = HEADING.sub("", first).strip()
    body = "\n".join(HEADING.sub("", line) for line in lines)
    return MARKUP.sub(r"\2", BULLET.sub("", body)), heading


def display(token: Token) -> str:
    """How a word is shown: lower case, but an acronym keeps its capitals (IA, CAF)."""
    form = token.form
    return form if form.isupper() and len(form) <= 5 else form.casefold()


def said(text: str, chain: list[Token]) -> str:
    """A named thing as written (`qualité de l'air`), or its words joined where they come
    from one hashtag."""
    first, last = chain[0], chain[-1]
    if first.hashtag or last.hashtag:
        return " ".join(display(t) for t in chain)
    span = " ".join(text[first.start:last.end].split())
    return span if span.isupper() else span.casefold()


def terms_of(text: str, language: Language, weight: float,
             found: dict[str, list[Any]]) -> None:
    """Add the terms of `text` to `found` (key: [form, weight])."""
    tokens = language.tokens(text)

    def add(key: str, form: str, amount: float) -> None:
        entry = found.setdefault(key, [form, 0.0])
        entry[1] += amount

    for index, token in enumerate(tokens):
        amount = weight * (WEIGHT["hashtag"] if token.hashtag else 1.0)
        if token.stop:
            continue
        weak = language.weak(tokens, index)
        if not language.nominal(token.lemma) or language.conjugated(token):
            if not weak:  # a verb reads as its infinitive (réinventer, not réinventent)
                add(token.lemma, token.lemma, amount * VERB)
            continue
        if not weak:
            add(token.lemma, display(token), amount)
        # named things starting here: A B, A link B (vie privée, tirage au sort)
        for span in ((index + 1,), (index + 1, index + 2)):
            if span[-1] >= len(tokens):
                break
            parts = [tokens[i] for i in span]
            last = parts[-1]
            if any(p.phrase != token.phrase for p in parts) or last.stop or \
                    not language.nominal(last.lemma):
                continue
            if len(parts) == 2 and parts[0].form.casefold() not in language.links:
                continue
            if len(parts) == 1 and not language.adjective(last.lemma):
                continue
            if len(parts) == 2 and language.adjective_only(token.lemma):
                continue  # `privée en assemblée`: a named thing starts with its noun
            if len(parts) == 1 or parts[0].form.casefold() in language.links:
                chain = [token, *parts]
                if language.generic(token.lemma) and language.generic(last.lemma):
                    break  # `demande du temps` names nothing
                add(" ".join(t.lemma for t in chain), said(text, chain), amount * NAMED_BONUS)
                break


def title_of(text: str, heading: str, kind: str, keywords: Iterable[str]) -> str:
    """At most six words: a heading, keywords, a short text whole, or the opening of
    the first sentence, cut at a clause where one falls (an ellipsis where it is cut)."""
    if kind == "keywords":
        words: list[str] = []
        taken: list[str] = []
        for keyword in keywords or text.split("\n"):
            if keyword.strip() and sum(len(k.split()) for k in taken) + \
                    len(keyword.split()) <= TITLE_WORDS:
                taken.append(keyword.strip())
        return " · ".join(taken)
    words = []
    for word in (heading or text).split():
        if words and not any(c.isalnum() for c in word):
            words[-1] += "\u00a0" + word  # French spacing: « ? » stays with its word
        else:
            words.append(word)
    if len(words) <= TITLE_WORDS:
        return " ".join(words)
    opening: list[str] = []
    for word in words:
        opening.append(word)
        if SENTENCE.search(word) or len(opening) == TITLE_WORDS:
            break
    whole = SENTENCE.search(opening[-1]) is not None
    if not whole:
        for end in range(len(opening) - 1, 2, -1):  # a clause of three words or more
            if CLAUSE.search(opening[end - 1]):
                return " ".join(opening[:end]).rstrip(",;:—–\u00a0 ")
        while len(opening) > 2 and opening[-1].casefold().strip(",;:") in DANGLING:
            opening.pop()
    title = " ".join(opening)
    return title if whole else title.rstrip(",;:—–\u00a0 ") + " …"


def read(language: Language, kind: str, name: str, text: str,
         keywords: Iterable[str] = ()) -> Reading:
    """The reading of one contribution: its text (and Markdown heading), its keywords."""
    keywords = tuple(keywords)
    found: dict[str, list[Any]] = {}
    body, heading = plain(text, name.lower().endswith((".md", ".markdown")))
    if kind in ("text", "keywords"):
        if heading:
            terms_of(heading, language, WEIGHT["heading"], found)
        terms_of(body, language,
                 WEIGHT["keyword"] if kind == "keywords" else WEIGHT["text"], found)
    said = text.casefold()
    for keyword in keywords if kind != "keywords" else ():
        if f"#{keyword.casefold()}" not in said:  # a hashtag of the text counts once
            terms_of(keyword, language, WEIGHT["keyword"], found)
    ranked = sorted(found.items(), key=lambda item: (-item[1][1], item[0]))[:TERMS]
    terms = tuple(Term(key, form, round(weight, 3)) for key, (form, weight) in ranked)
    title = title_of(body.strip(), heading, kind, keywords) if kind in ("text", "keywords") \
        else ""
    return Reading(terms, title)
