"""Generate a realistic, deterministic corpus of article files for benchmarks.

``python -m bench.generate N OUT_DIR [--seed S]`` writes ``OUT_DIR/articles/YYYY-MM-DD-slug.md``
in the real frontmatter layout of ``seeds/articles`` (same keys, key order, quoting and blank
lines) and copies ``seeds/topics`` and ``seeds/organizations`` next to them. The proportions
come from the real sample described in ``../shared/corpus/README.md``:

- three layouts (no ``originalUrl`` but ``quality``/``heat``/``published``; ``originalUrl``
  only; both) in the ratio 19 : 18 : 22, ``ampWebUrl``+``cdnAmpWebUrl`` in 36% of files;
- providers drawn from a long-tailed (Zipf) pool: real publishers first, then made-up ones;
- 1-4 topics from the 22 topic names, ``AI`` always among them but not always first;
- ``images`` in 64% of files, provider logos for ~30% of providers;
- ``related`` in 46% of files with 1-8 items, about a fifth of which point at another
  generated article's ``webUrl`` (same-story clusters), so ``RelatedLink.article`` and
  ``citedBy`` have work to do;
- ``secured`` an opaque ``base64;base64`` string of the real lengths.

Everything is drawn from one ``random.Random(seed)`` in a fixed order and written as bytes, so
the same ``N`` and seed give byte-identical files. Speed matters (100k files in well under a
minute), so files are built with string templates rather than a YAML emitter.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import itertools
import json
import re
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

# The 22 topic names of seeds/topics, with weights from the topic counts in seeds/articles
# (every topic gets at least 1 so that each topic page has articles).
TOPIC_WEIGHTS: dict[str, int] = {
    "Machine Learning": 3,
    "Computer Vision": 4,
    "Natural Language Processing": 10,
    "AI Ethics": 2,
    "AI Hardware": 2,
    "AI in Autos": 4,
    "AI in Healthcare": 4,
    "AI in Finance": 2,
    "AI in Marketing": 1,
    "AI in Sales": 1,
    "AI in Education": 1,
    "AI in Robotics": 3,
    "AI in Security": 1,
    "AWS AI": 3,
    "Microsoft AI": 4,
    "Google AI": 6,
    "Facebook AI": 5,
    "Meta AI": 2,
    "IBM AI": 1,
    "TensorFlow": 1,
    "Math for AI": 1,
}
TOPIC_NAMES: tuple[str, ...] = ("AI", *TOPIC_WEIGHTS)
# Topics per file in the sample: 1 -> 14, 2 -> 39, 3 -> 6, 4 -> 1.
TOPIC_COUNT_WEIGHTS = (14, 39, 6, 1)
# Related items per file among the 46% that have a list (sample: mean 5.5, capped at 8 here).
RELATED_COUNT_WEIGHTS = (6, 8, 3, 3, 4, 2, 2, 2)
RELATED_SHARE = 0.46
INTERNAL_LINK_SHARE = 0.2
# Years of publication (sample: most items 2019-2024), weights per year.
YEAR_WEIGHTS = {
    2013: 1,
    2014: 1,
    2015: 1,
    2016: 1,
    2017: 2,
    2018: 3,
    2019: 8,
    2020: 6,
    2021: 9,
    2022: 9,
    2023: 10,
    2024: 5,
}

# Real publishers (from seeds/organizations and seeds/articles), most popular first.
REAL_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("VentureBeat", "venturebeat.com"),
    ("Forbes", "forbes.com"),
    ("TechCrunch", "techcrunch.com"),
    ("PR Newswire", "prnewswire.com"),
    ("PC Magazine", "pcmag.com"),
    ("EurekAlert!", "eurekalert.org"),
    ("The New York Times", "nytimes.com"),
    ("Reuters", "reuters.com"),
    ("ZDNet", "zdnet.com"),
    ("WIRED", "wired.com"),
    ("The Verge", "theverge.com"),
    ("CNBC", "cnbc.com"),
    ("Ars Technica", "arstechnica.com"),
    ("BBC", "bbc.com"),
    ("Bloomberg", "bloomberg.com"),
    ("The Guardian", "theguardian.com"),
    ("South China Morning Post", "scmp.com"),
    ("WSJ", "wsj.com"),
    ("Medium", "medium.com"),
    ("Science Daily", "sciencedaily.com"),
    ("Medical Xpress", "medicalxpress.com"),
    ("Computer Weekly", "computerweekly.com"),
    ("Becker's Hospital Review", "beckershospitalreview.com"),
    ("Fox Business", "foxbusiness.com"),
    ("Futurism", "futurism.com"),
    ("Healthline", "healthline.com"),
    ("MarketWatch", "marketwatch.com"),
    ("Seattle Times", "seattletimes.com"),
    ("The Straits Times", "straitstimes.com"),
    ("heise online", "heise.de"),
    ("Mint", "livemint.com"),
    ("Business Standard", "business-standard.com"),
    ("Daily Herald", "dailyherald.com"),
    ("Electronic Engineering Journal", "eejournal.com"),
    ("Finextra", "finextra.com"),
    ("techxplore", "techxplore.com"),
    ("Medindia", "medindia.net"),
    ("Tom's Guide", "tomsguide.com"),
    ("아크로팬", "acrofan.com"),
    ("openpr.com", "openpr.com"),
)
NAME_PARTS = (
    "Tech Daily News Wire Post Times Herald Journal Review Insider Digital Future Data Cloud "
    "Signal Pulse Report Monitor Observer Beacon Ledger Gazette Tribune Chronicle Dispatch "
    "Analytics Robotics Machine Silicon Quantum Startup Market Business Health Science"
).split()
TLDS = ("com", "com", "com", "com", "org", "net", "io", "co.uk", "de", "in", "com.au", "ai")

SUBJECTS = (
    "OpenAI|Google|Microsoft|Meta|Amazon|Nvidia|IBM|Apple|DeepMind|Anthropic|Baidu|Tesla|"
    "Researchers|Scientists|Startups|Banks|Hospitals|Regulators|The EU|Hugging Face|AWS|"
    "Salesforce|Intel|AMD|Samsung|Waymo|Stanford|MIT|Universities|Investors"
).split("|")
VERBS = (
    "launches|unveils|expands|debuts|invests in|warns about|tests|acquires|releases|bets on|"
    "doubles down on|rethinks|open-sources|pilots|scales up|cracks down on|partners on|"
    "builds|trains|deploys"
).split("|")
ADJECTIVES = (
    "generative|open-source|multimodal|responsible|real-time|autonomous|explainable|"
    "on-device|large-scale|medical|financial|agentic|secure|low-power|next-generation|"
    "conversational|predictive|synthetic|federated|edge"
).split("|")
NOUNS = (
    "AI models|chatbots|language models|chips|robots|self-driving cars|diagnostics|"
    "fraud detection|search|image generators|assistants|data centers|speech recognition|"
    "translation|recommendation engines|vision systems|deepfakes|copilots|GPUs|datasets"
).split("|")
TAILS = (
    "",
    "",
    "",
    " for developers",
    " in healthcare",
    " amid regulation push",
    " \u2014 here\u2019s why",
    ": what you need to know",
    " to rival ChatGPT",
    " in 2024",
    " across Europe",
    " after record quarter",
    " \u2018at scale\u2019",
)
WORDS = (
    "the a new model data system research company said will could more than its with "
    "learning training users market growth billion million report study results customers "
    "teams tools platform software hardware performance accuracy safety privacy rules "
    "industry adoption cloud compute inference open source benchmark launch partnership "
    "according announced today year percent global technology experts analysts"
).split()
SECTIONS = ("news", "ai", "tech", "business", "science", "articles", "story", "releases")

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .'!&-]*$")


@dataclass(frozen=True)
class Provider:
    """A publisher of the generated corpus; ``logo`` says whether files list its images."""

    name: str
    domain: str
    logo: bool
    www: bool


@dataclass(frozen=True)
class Stub:
    """What other articles need to know about an article to link to it."""

    title: str
    url: str
    published: datetime
    provider: Provider
    excerpt: str


def slugify(text: str) -> str:
    """The same rule as ``gql.keys.slugify``, repeated so the generator needs nothing of gql."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_JUNK.sub("-", ascii_text.lower()).strip("-")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def plain_or_quoted(text: str) -> str:
    """Provider names are plain scalars in the sample unless YAML would misread them."""
    return text if _PLAIN.match(text) else quoted(text)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Generator:
    """Draws a corpus from one seeded random stream; call ``write`` once."""

    def __init__(self, count: int, seed: int) -> None:
        self.count = count
        self.rng = Random(seed)
        self.providers = self._providers()
        # Zipf(s=1.1) weights give the long tail: a few outlets publish most articles.
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(self.providers))]
        self.provider_cum = list(itertools.accumulate(weights))
        self.topic_names = list(TOPIC_WEIGHTS)
        self.topic_cum = list(itertools.accumulate(TOPIC_WEIGHTS.values()))
        self.year_list = list(YEAR_WEIGHTS)
        self.year_cum = list(itertools.accumulate(YEAR_WEIGHTS.values()))
        self.used_names: set[str] = set()

    def _providers(self) -> list[Provider]:
        rng = self.rng
        size = max(len(REAL_PROVIDERS) + 10, min(5000, self.count // 20))
        providers = [
            Provider(name, domain, rng.random() < 0.5, rng.random() < 0.6)
            for name, domain in REAL_PROVIDERS
        ]
        seen = {p.domain for p in providers}
        while len(providers) < size:
            first, second = rng.choice(NAME_PARTS), rng.choice(NAME_PARTS)
            if first == second:
                continue
            domain = f"{first.lower()}{second.lower()}.{rng.choice(TLDS)}"
            if domain in seen:
                domain = f"{first.lower()}-{second.lower()}{len(providers)}.{rng.choice(TLDS)}"
            seen.add(domain)
            name = domain if rng.random() < 0.05 else f"{first} {second}"
            providers.append(Provider(name, domain, rng.random() < 0.3, rng.random() < 0.6))
        return providers

    def pick_provider(self) -> Provider:
        index = bisect.bisect(self.provider_cum, self.rng.random() * self.provider_cum[-1])
        return self.providers[min(index, len(self.providers) - 1)]

    def title(self) -> str:
        rng = self.rng
        return (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(ADJECTIVES)} "
            f"{rng.choice(NOUNS)}{rng.choice(TAILS)}"
        )

    def excerpt(self) -> str:
        rng = self.rng
        words = rng.choices(WORDS, k=rng.randint(14, 48))
        text = " ".join(words)
        text = text[0].upper() + text[1:] + "."
        return text + " ..." if rng.random() < 0.3 else text

    def moment(self) -> datetime:
        rng = self.rng
        year = self.year_list[bisect.bisect(self.year_cum, rng.random() * self.year_cum[-1])]
        start = datetime(year, 1, 1, tzinfo=UTC)
        moment = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        # Date-only precision in a few files (3 of 59 in the sample).
        return moment.replace(hour=0, minute=0) if rng.random() < 0.05 else moment

    def url(self, provider: Provider, slug: str, moment: datetime, serial: int) -> str:
        host = f"www.{provider.domain}" if provider.www else provider.domain
        section = SECTIONS[serial % len(SECTIONS)]
        if serial % 3 == 0:
            return f"https://{host}/{moment:%Y/%m/%d}/{slug[:80]}-{serial:x}/"
        if serial % 3 == 1:
            return f"https://{host}/{section}/{slug[:80]}-{serial}"
        return f"https://{host}/{section}/{moment:%Y%m%d}{serial:06d}.htm"

    def stubs(self) -> list[Stub]:
        """First pass: every article's identity, so related links can point at any of them."""
        stubs = []
        for serial in range(self.count):
            provider = self.pick_provider()
            title = self.title()
            moment = self.moment()
            url = self.url(provider, slugify(title), moment, serial)
            stubs.append(Stub(title, url, moment, provider, self.excerpt()))
        return stubs

    def file_name(self, stub: Stub) -> str:
        # The sample's file-name date is publishedDateTime + 8 h (a UTC+8 clock) in 50 of 59
        # files and the UTC date in the others.
        shifted = (
            stub.published + timedelta(hours=8) if self.rng.random() < 0.85 else stub.published
        )
        base = f"{shifted:%Y-%m-%d}-{slugify(stub.title)[:100].rstrip('-')}"
        name, n = base, 2
        while name in self.used_names:
            name, n = f"{base}-{n}", n + 1
        self.used_names.add(name)
        return name + ".md"

    def secured(self) -> str:
        rng = self.rng
        head = rng.randbytes(rng.choice((225, 240, 258, 273, 402)))
        return f"{base64.b64encode(head).decode()};{base64.b64encode(rng.randbytes(16)).decode()}"

    def images(self, out: list[str], indent: str, url: str, layout: str, title: str) -> None:
        rng = self.rng
        width, height = rng.choice(((1200, 675), (1200, 628), (760, 380), (1024, 576), (800, 600)))
        out.append(f"{indent}- url: {url if layout == 'A' else quoted(url)}\n")
        out.append(f"{indent}  width: {width}\n{indent}  height: {height}\n")
        if layout == "A":
            out.append(f"{indent}  title: {quoted(title)}\n")
        elif layout == "C" or rng.random() < 0.5:
            out.append(f"{indent}  isCached: true\n")

    def article(self, index: int, stub: Stub, stubs: list[Stub]) -> str:
        rng = self.rng
        # Layouts A (archive: no originalUrl), B (originalUrl only), C (both): 19 : 18 : 22.
        draw = rng.randrange(59)
        layout = "A" if draw < 19 else "B" if draw < 37 else "C"
        q = (lambda s: s) if layout == "A" and rng.random() < 0.75 else quoted
        provider = stub.provider
        out = [
            "---\ncategory: news\n",
            f"title: {quoted(stub.title)}\n",
            f"excerpt: {quoted(stub.excerpt)}\n",
            f"publishedDateTime: {stamp(stub.published)}\n",
        ]
        if layout != "A":
            out.append(f"originalUrl: {q(stub.url)}\n")
        out.append(f"webUrl: {q(stub.url)}\n")
        if rng.random() < 0.36:
            amp = stub.url.rstrip("/") + "/amp/"
            cdn_host = provider.domain.replace(".", "-") + ".cdn.ampproject.org"
            out.append(f"ampWebUrl: {q(amp)}\n")
            out.append(f"cdnAmpWebUrl: {q('https://' + cdn_host + '/c/s/' + amp[8:])}\n")
        out.append("type: article\n")
        if layout != "B":
            quality = rng.randint(16, 149)
            draw = rng.random()
            heat = -1 if draw < 0.41 else quality if draw < 0.82 else rng.randint(0, 159)
            published = "true" if rng.random() < 0.32 else "false"
            out.append(f"quality: {quality}\nheat: {heat}\npublished: {published}\n")
        out.append(f"\nprovider:\n  name: {plain_or_quoted(provider.name)}\n")
        out.append(f"  domain: {provider.domain}\n")
        if provider.logo:
            logo = f"/assets/images/organizations/{provider.domain}-50x50.jpg"
            if layout != "A":
                logo = "https://everyday-cc.github.io/ai" + logo
            out.append(f"  images:\n    - url: {q(logo)}\n      width: 50\n      height: 50\n")
        out.append("\ntopics:\n")
        for name in self.topics():
            out.append(f"  - {name}\n")
        if rng.random() < 0.64:
            out.append("\nimages:\n")
            image = f"https://cdn.{provider.domain}/images/{stub.published:%Y/%m}/{index:x}.jpg"
            self.images(out, "  ", image, layout, stub.title)
        if rng.random() < RELATED_SHARE:
            out.append("\nrelated:\n")
            count = rng.choices(range(1, 9), weights=RELATED_COUNT_WEIGHTS)[0]
            for position in range(count):
                self.related(out, index, position, stub, stubs, layout)
        out.append(f'\nsecured: "{self.secured()}"\n---\n\n')
        return "".join(out)

    def topics(self) -> list[str]:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=TOPIC_COUNT_WEIGHTS)[0]
        names: list[str] = []
        while len(names) < count - 1:
            name = self.topic_names[
                bisect.bisect(self.topic_cum, rng.random() * self.topic_cum[-1])
            ]
            if name not in names:
                names.append(name)
        names.insert(rng.randrange(len(names) + 1), "AI")
        return names

    def related(
        self, out: list[str], index: int, position: int, stub: Stub, stubs: list[Stub], layout: str
    ) -> None:
        rng = self.rng
        q = (lambda s: s) if layout == "A" else quoted
        if len(stubs) > 1 and rng.random() < INTERNAL_LINK_SHARE:
            # Same-story coverage: a nearby article of the corpus (stubs are in random date
            # order, so nearby in the list is not nearby in time; that is fine for the graph).
            other = index + rng.choice((-3, -2, -1, 1, 2, 3)) * (position + 1)
            target = stubs[other % len(stubs)]
            if target is stub:
                target = stubs[(index + 1) % len(stubs)]
            title, url, provider, excerpt = (
                target.title,
                target.url,
                target.provider,
                target.excerpt,
            )
        else:
            provider = self.pick_provider()
            title = self.title()
            url = self.url(
                provider, slugify(title), stub.published, self.count + index * 8 + position
            )
            excerpt = self.excerpt()
            if rng.random() < 0.1:
                url += "?ref=" + rng.choice(("rss", "twitter", "newsletter"))
        moment = stub.published + timedelta(minutes=rng.randint(-3 * 1440, 3 * 1440))
        out.append(f"  - title: {quoted(title)}\n    excerpt: {quoted(excerpt)}\n")
        out.append(f"    publishedDateTime: {stamp(moment)}\n    webUrl: {q(url)}\n")
        if rng.random() < 0.37:
            amp = url.rstrip("/") + "/amp/"
            cdn_host = provider.domain.replace(".", "-") + ".cdn.ampproject.org"
            out.append(f"    ampWebUrl: {q(amp)}\n")
            out.append(f"    cdnAmpWebUrl: {q('https://' + cdn_host + '/c/s/' + amp[8:])}\n")
        out.append("    type: article\n    provider:\n")
        out.append(f"      name: {plain_or_quoted(provider.name)}\n")
        out.append(f"      domain: {provider.domain}\n    quality: {rng.randint(16, 149)}\n")
        if rng.random() < 0.56:
            out.append("    images:\n")
            image = f"https://cdn.{provider.domain}/img/{index:x}-{position}.jpg"
            self.images(out, "      ", image, "C" if layout == "C" else "B", title)

    def write(self, out_dir: Path, *, definitions: bool = True) -> int:
        """Write the corpus under ``out_dir`` (replacing a previous one); returns files written."""
        articles = out_dir / "articles"
        if articles.exists():
            shutil.rmtree(articles)
        articles.mkdir(parents=True)
        stubs = self.stubs()
        for index, stub in enumerate(stubs):
            text = self.article(index, stub, stubs)
            (articles / self.file_name(stub)).write_bytes(text.encode("utf-8"))
        written = len(stubs)
        if definitions:
            for folder in ("topics", "organizations"):
                target = out_dir / folder
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(SEEDS / folder, target)
                written += sum(1 for _ in target.iterdir())
        return written


def generate(count: int, out_dir: Path, *, seed: int = 1, definitions: bool = True) -> int:
    """Write ``count`` article files (plus topic and publisher definitions) under ``out_dir``."""
    return Generator(count, seed).write(out_dir, definitions=definitions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("count", type=int, help="number of article files")
    parser.add_argument("out_dir", type=Path, help="folder to write (articles/ is replaced)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--no-definitions",
        action="store_true",
        help="do not copy seeds/topics and seeds/organizations",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = generate(
        args.count, args.out_dir, seed=args.seed, definitions=not args.no_definitions
    )
    elapsed = time.perf_counter() - started
    print(f"wrote {written} files to {args.out_dir} in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
