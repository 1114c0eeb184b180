"""Words of one language: tokens, lemmas and the stop words left out of terms.

Lemmas come from simplemma (MIT; its dictionaries ship inside the wheel, so nothing is
downloaded at run time): `données` and `donnée`, `coopère` and `coopérer` are one lemma.
A dictionary without parts of speech turns some nouns into verbs (`donnée` into
`donner`): a word that is the singular of a known plural keeps its own form.

Some content words say too little to name what a place on the map thinks: numbers,
common verbs (stop words), generic nouns (`gens`, `ligne`), adverbs, and a verb's bare
participle (`gouverné`), unless an article makes it a noun (`les élus`). A generic noun
may still end a named thing (`démarches en ligne`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import simplemma

LANGUAGES = ("fr", "en")


def words(text: str) -> frozenset[str]:
    """A list of words written as running text."""
    return frozenset(text.split())


# One token: a word (with inner hyphens and apostrophes), a hashtag, or a number.
TOKEN = re.compile(r"#?[^\W\d_](?:[\w]|['’\-](?=\w))*|\d+(?:[.,]\d+)?", re.UNICODE)
SENTENCE_END = re.compile(r"[.!?…]|\n")
PUNCTUATION = re.compile(r"[^\w \t#'’-]")
ELIDED = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)

FRENCH = words("""
a à afin ai aie aient aies ait alors as assez au aucun aucune aujourd'hui auquel aura
aurai auraient aurais aurait auront aussi autant autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant bah beaucoup bien
bientôt c ça car ce ceci cela celle celles celui cependant certain certaine certaines
certains ces cet cette ceux chacun chacune chaque chez ci comme comment d dans de
dedans dehors déjà depuis des desquelles desquels dessous dessus deux devant devoir
doit doivent donc dont du duquel durant dès elle elles en encore enfin ensuite entre
envers es est et étaient étais était été êtes étiez étions être eu eux fait faire
faut falloir fois font furent fut ici il ils j jamais je jusqu jusque l la là laquelle
le lequel les lesquelles lesquels leur leurs lors lorsque lui m ma mais malgré me même
mêmes mes moi moins mon n ne ni non nos notre nous on ont or ou où par parce parfois
parmi pas pendant peu peut peuvent plupart plus plusieurs plutôt pour pourquoi pourtant
pouvoir près puis puisque qu quand que quel quelle quelles quelque quelques quels qui
quoi s sa sans se selon ses seulement si sien sienne siennes siens soi soient sois
soit sommes son sont sous souvent soyez soyons suis sur surtout t ta tandis tant te
tel telle telles tels tes toi ton toujours tous tout toute toutes très trop tu un une
unes uns vers voici voilà vont vos votre vous vouloir y aller venir dire donner mettre
rendre passer trouver sembler rester devenir laisser tenir savoir voir croire penser
parler demander chose choses façon manière cas part exemple vrai vraiment mieux
juste simplement peut-être ainsi oui ensemble ceci cela celui-ci celle-ci d'abord
abord quelqu'un personne rien lui-même elle-même eux-mêmes
nous-mêmes vous-mêmes soi-même là-bas etc tellement autour sinon
vite partout toujours jamais souvent beaucoup fois an jour chacun chacune certes
ailleurs besoin cher chère grand grande petit petite nouveau nouvelle bon
bonne seul seule vrai vraie propre premier première dernier dernière dont
""")
ENGLISH = words("""
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers herself him himself his how i if in
into is it its itself just me more most my myself no nor not now of off on once only or
other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your
yours yourself yourselves also get got make made many much one two thing things way
really like lot
""")
# numbers written as words, and the verbs every text says (lemmas), are stop words too
NUMBERS = {"fr": words("""zéro un deux trois quatre cinq six sept huit neuf dix onze douze
treize quatorze quinze seize vingt trente quarante cinquante soixante septante huitante
nonante cent cents mille million millions milliard milliards demi demie moitié quart
dizaine douzaine quinzaine vingtaine trentaine centaine millier deuxième troisième
quatrième cinquième sixième septième huitième neuvième dixième centième millième second
seconde"""),
           "en": words("""zero one two three four five six seven eight nine ten eleven
twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty
fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions
billion billions first second third fourth fifth sixth seventh eighth ninth tenth half
dozen""")}
COMMON_VERBS = {"fr": words("""être avoir faire dire aller venir pouvoir vouloir devoir
savoir falloir valoir voir prendre mettre donner passer trouver rester devenir laisser
tenir croire penser parler demander sembler paraître arriver entrer sortir partir
revenir retourner commencer continuer finir arrêter changer oser jouer montrer entendre
répondre attendre porter appeler garder suivre compter aimer essayer chercher permettre
proposer discuter posséder reprendre comprendre connaître sentir rendre tomber lever
poser marcher tourner ajouter manquer ouvrir fermer mener parvenir utiliser
souhaiter espérer imaginer raconter expliquer regarder écouter servir considérer
concerner exister représenter dépendre agir pousser"""),
                "en": words("""be is are was were been being have has had do does did
done say says said go goes went gone get gets got make makes made know knew known think
thought take took taken see saw seen come came want use used find found give gave given
tell told seem feel felt try tried leave left call keep kept let put mean meant become
became begin began show shown hear heard happen bring brought need needs look looks""")}
GENERIC = {"fr": words("""gens personne personnes chose choses truc machin pays ligne
fois moment temps jour journée an année mois semaine soir soirée matin heure minute lieu
part côté façon manière sorte genre type cas exemple fait point sens compte niveau place
partie ensemble nombre reste suite fin début bout coup moyen table monde demande
question problème idée vie change donne ose joue montre envie tour besoin aspect
domaine forme
mode rapport sujet thème travers base cadre objet"""),
           "en": words("""people person thing things stuff country line time times day
days year years month week evening morning hour minute place part side way kind sort
type case example fact point sense number rest end beginning lot bit world question
problem idea life matter""")}
STOP_WORDS = {code: FRENCH | NUMBERS["fr"] | COMMON_VERBS["fr"] if code == "fr" else
              ENGLISH | NUMBERS["en"] | COMMON_VERBS["en"] for code in ("fr", "en")}
# What the dictionary misreads for the event (datas is its theme, not dater's past tense).
OVERRIDES = {"fr": {"datas": "data", "data": "data"}, "en": {}}
LINKS = {"fr": frozenset(("de", "du", "des", "d", "à", "au", "aux", "en")),
         "en": frozenset(("of", "for"))}  # words that may join the parts of a term


# How French adjectives end (lemmas), and common ones that end otherwise: a named thing
# of two words side by side is a noun and its adjective (vie privée, logiciel libre).
ADJECTIVE_ENDINGS = ("if", "el", "al", "ique", "ible", "able", "aire", "eux", "é", "ant",
                     "ent", "ien", "ier", "ert", "ial", "uel", "oire", "ais", "ois", "ain",
                     "iste", "ile", "ide", "un", "in", "icte", "ct", "if", "u", "i", "eur")
ADJECTIVES = words("""libre large juste propre simple rapide lent fort faible grand
petit jeune vieux riche pauvre vrai faux seul sobre neutre fermé ouvert public privé
commun collectif numérique autre même nouveau bon mauvais long court haut bas plein
vide clair sûr dur doux chaud froid direct concret""")
NOUNS = words("public commun collectif bas haut")  # adjectives that are nouns too
NOUN_ENDINGS = ("tion", "sion", "ment", "age", "ité", "ure", "isme", "ance", "ence",
                "eur", "oir", "ie", "té", "ude")
# what a verb's past participle ends with, and those the dictionary keeps as lemmas
PARTICIPLE_ENDINGS = {"fr": ("é", "ée", "és", "ées", "i", "ie", "is", "ies", "u", "ue", "us",
                             "ues", "it", "ite", "its", "ites", "ert", "erte", "erts", "ertes",
                             "int", "inte", "ints", "intes", "ise", "ises"),
                      "en": ("ed", "en")}
PARTICIPLES = words("""ouvert couvert offert écrit dit fait pris mis élu vu su lu venu tenu
connu reconnu perdu rendu vendu attendu entendu né mort produit construit conduit inscrit
décrit prévu""")
# an article (or an elided one) before a participle makes it a noun (les élus, l'invité)
DETERMINERS = {"fr": words("""le la les l un une des du d de au aux ce cet cette ces mon ma
mes ton ta tes son sa ses notre nos votre vos leur leurs quelques plusieurs certains
certaines chaque"""), "en": words("the a an these those our their its his her my your")}


@dataclass(frozen=True)
class Token:
    """A word as written (`form`, elision removed) and its lemma, lower case; `stop` when
    it carries no meaning of its own (`le`, `être`, `aussi`); `hashtag` when it was one."""

    form: str
    lemma: str
    stop: bool
    hashtag: bool = False
    sentence: int = 0  # which sentence of the text it is in
    phrase: int = 0  # which stretch between two marks of punctuation
    start: int = 0  # where it stands in the text (a hashtag's parts: the hashtag's span)
    end: int = 0
    elided: str = ""  # the article or word elided before it (`l` of `l'invité`)


class Language:
    """Tokens and lemmas of one language (`LANGUAGES`)."""

    def __init__(self, code: str = "fr") -> None:
        if code not in LANGUAGES:
            raise ValueError(f"language {code!r} is not one of {', '.join(LANGUAGES)}")
        self.code = code
        self.stop_words = STOP_WORDS[code]
        self.links = LINKS[code]

    def tokens(self, text: str) -> list[Token]:
        """The words of `text` in order; a hashtag of several words (`#vieprivée`) is
        split into them where the dictionary knows each part."""
        found: list[Token] = []
        sentence = phrase = 0
        last = 0
        for match in TOKEN.finditer(text):
            between = text[last:match.start()]
            if SENTENCE_END.search(between):
                sentence += 1
            if PUNCTUATION.search(between):
                phrase += 1
            last = match.end()
            word = match.group()
            hashtag = word.startswith("#")
            bare = word.lstrip("#")
            word = ELIDED.sub("", bare)
            begins = match.end() - len(word)
            elided = bare[:len(bare) - len(word)].rstrip("'’").casefold()
            if not word or word[0].isdigit():
                continue
            parts = self.split_hashtag(word) if hashtag else (word,)
            phrase += hashtag  # a hashtag is a phrase of its own
            for part in parts:
                lemma = self.lemma(part)
                found.append(Token(part, lemma, self.is_stop(part, lemma), hashtag, sentence,
                                   phrase, begins, match.end(), elided))
            phrase += hashtag
        return found

    def is_stop(self, form: str, lemma: str) -> bool:
        lower = form.casefold()
        return len(lower) < 3 or lower in self.stop_words or lemma in self.stop_words

    def lemma(self, word: str) -> str:
        return _lemma(word.casefold(), self.code)

    def names(self, names: list[str] | tuple[str, ...]) -> frozenset[str]:
        """The lemmas of every word of `names` (the event's themes and sequences)."""
        return frozenset(self.lemma(word) for name in names for word in name.split())

    def generic(self, lemma: str) -> bool:
        """Whether a noun says too little to name anything on its own (`gens`, `ligne`)."""
        return lemma in GENERIC[self.code]

    def weak(self, tokens: list[Token], index: int) -> bool:
        """Whether a content word is too weak to be a term on its own: a generic noun, an
        adverb (`publiquement`), or a verb's bare participle (`gouverné`; `les élus`,
        after an article, is a noun)."""
        token = tokens[index]
        if self.generic(token.lemma) or self.generic(token.form.casefold()):
            return True
        if self.code == "fr" and token.lemma.endswith("ment") and \
                not simplemma.is_known(token.lemma + "s", lang="fr"):
            return True  # an adverb takes no plural; a noun (gouvernement) does
        if not self.participle(token):
            return False
        before = tokens[index - 1] if index and tokens[index - 1].phrase == token.phrase \
            else None
        determiners = DETERMINERS[self.code]
        return token.elided not in determiners and \
            (before is None or before.form.casefold() not in determiners)

    def participle(self, token: Token) -> bool:
        """Whether a word is a verb's past participle (`gouverné`, `parlé`, `construits`)."""
        form, lemma = token.form.casefold(), token.lemma
        if not form.endswith(PARTICIPLE_ENDINGS[self.code]):
            return False
        if self.code == "en":
            return form != lemma
        if form != lemma and not self.nominal(lemma):
            return True  # the dictionary reads it as the verb (parlé: parler)
        return lemma in PARTICIPLES or (lemma.endswith("é") and _verb(lemma[:-1] + "er"))

    def adjective(self, lemma: str) -> bool:
        """Whether a lemma may be an adjective (French endings; any word in English,
        where the adjective comes first and `nominal` is enough)."""
        if self.code != "fr":
            return True
        return lemma in ADJECTIVES or (lemma.endswith(ADJECTIVE_ENDINGS) and
                                       not lemma.endswith(NOUN_ENDINGS))

    def adjective_only(self, lemma: str) -> bool:
        """Whether a French lemma is an adjective that is no noun (`privé`, `numérique`,
        `partagé`): a named thing joined by a link (`de`, `en`) never starts with one."""
        return self.code == "fr" and lemma not in NOUNS and (lemma in ADJECTIVES or (
            lemma.endswith(("é", "eux", "able", "ible")) and not lemma.endswith(NOUN_ENDINGS)))

    def conjugated(self, token: Token) -> bool:
        """Whether a word is a conjugated verb (`vivent` of `vivre`), which heads no named
        thing, though its infinitive may also be a noun (`les vivres`)."""
        return self.code == "fr" and token.form.casefold() != token.lemma and \
            token.lemma.endswith(("er", "ir", "re", "oir")) and not self.adjective(token.lemma)

    def nominal(self, lemma: str) -> bool:
        """Whether a lemma may be part of a named thing (a noun or an adjective: `vie
        privée`), not a verb (`valent`, `coopérer`): French verbs end in -er, -ir, -re or
        -oir and take no plural."""
        if self.code != "fr" or not lemma.endswith(("er", "ir", "re")):
            return True
        return simplemma.lemmatize(lemma + "s", lang=self.code) == lemma

    def split_hashtag(self, word: str) -> tuple[str, ...]:
        """`vieprivée` as `vie`, `privée`; a word the dictionary knows stays whole."""
        return _split(word.casefold(), self.code)


@lru_cache(maxsize=65536)
def _lemma(word: str, code: str) -> str:
    if "-" in word:  # each part of a compound (tiers-lieux: tiers-lieu)
        return "-".join(_lemma(part, code) for part in word.split("-") if part)
    known = OVERRIDES[code].get(word)
    if known is not None:
        return known
    lemma = simplemma.lemmatize(word, lang=code)
    # a singular noun the dictionary reads as a verb's participle (donnée: donner)
    if lemma != word and code == "fr" and simplemma.lemmatize(word + "s", lang=code) == word:
        return word
    return lemma.casefold()


@lru_cache(maxsize=4096)
def _verb(word: str) -> bool:
    """Whether the French dictionary knows `word` as an infinitive."""
    return simplemma.is_known(word, lang="fr") and simplemma.lemmatize(word, lang="fr") == word


@lru_cache(maxsize=4096)
def _split(word: str, code: str) -> tuple[str, ...]:
    if simplemma.is_known(word, lang=code) or len(word) < 6:
        return (word,)
    links = LINKS[code]
    # the fewest known words that make `word`, links (au, de) allowed between them
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 20), end):
            part, before = word[start:end], best[start]
            if before is None or not (part in links or (len(part) >= 3 and
                                                        simplemma.is_known(part, lang=code))):
                continue
            candidate = (*before, part)
            if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                best[end] = candidate
    split = best[-1]
    return split if split and len(split) <= 4 else (word,)
