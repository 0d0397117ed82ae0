"""``news.article``: a news article written from a list of facts, grounded in them.

The model writes the headline, lede, body and summary; code derives the SEO block from them and
copies the sources from the input, so those are always within their limits.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aigc_core import Generator, Problem
from aigc_core.checks import distinct, max_length, not_blank

from . import grounding, sampling, schema
from .facts import Fact, Source, evidence
from .fields import Language, Tone
from .lengths import char_window, near_target
from .text import clean_sentences, headline, shorten, slugify

HEADLINE_CHARS = 100
SEO_TITLE_CHARS = 60
META_DESCRIPTION_CHARS = 155
SLUG_CHARS = 60
MAX_PARAGRAPHS = 10
MAX_TARGET_WORDS = 1000
#: What constrained decoding holds the model to. The headline may run past its limit so that
#: code, not the grammar, cuts it, and at a word boundary.
DRAFT_HEADLINE_CHARS = 150
DRAFT_LEDE_CHARS = 200
DRAFT_SUMMARY_CHARS = 200
#: A news lede runs 20 to 35 words and a body paragraph one to three short sentences: the
#: figures that turn a target length into a number of paragraphs and their lengths.
LEDE_WORDS = 30
PARAGRAPH_WORDS = 45


class ArticleInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[Fact] = Field(
        min_length=1, max_length=40,
        description="Everything the article may say: statements, figures, quotes, sources.",
    )
    angle: str = Field(min_length=3, max_length=300,
                       description="The story's focus, e.g. 'what the new plant means for bills'.")
    audience: str = Field("general readers", min_length=2, max_length=120,
                          description="Who the article is for.")
    tone: Tone = "neutral"
    target_words: int = Field(250, ge=60, le=MAX_TARGET_WORDS,
                              description="Length of lede and body together, in words.")
    language: Language = "en"

    @model_validator(mode="after")
    def _something_to_report(self) -> ArticleInput:
        if all(isinstance(fact, Source) for fact in self.facts):
            raise ValueError("facts need at least one statement, figure or quote; "
                             "sources alone give nothing to report")
        return self


class Seo(BaseModel):
    title: str = Field("", max_length=SEO_TITLE_CHARS,
                       description="Title for search results: the headline, shortened.")
    meta_description: str = Field("", max_length=META_DESCRIPTION_CHARS,
                                  description="Search snippet: the summary, shortened.")
    slug: str = Field("", max_length=SLUG_CHARS, pattern=r"^([^\W_]+(-[^\W_]+)*)?$",
                      description="URL slug made from the title.")


class CitedSource(BaseModel):
    name: str
    url: str
    title: str = ""


#: Room for the longest paragraphs article_schema asks for: the most words in the most paragraphs.
Paragraph = Annotated[str, Field(min_length=1, max_length=schema.NUMBER_ROOM * char_window(
    MAX_TARGET_WORDS - LEDE_WORDS, MAX_PARAGRAPHS)[1])]


class Article(BaseModel):
    headline: str = Field(min_length=1, max_length=DRAFT_HEADLINE_CHARS * schema.NUMBER_ROOM,
                          description=f"States the news in at most {HEADLINE_CHARS} characters.")
    lede: str = Field(min_length=1, max_length=DRAFT_LEDE_CHARS * schema.NUMBER_ROOM,
                      description="One sentence with the most important fact.")
    body: list[Paragraph] = Field(
        min_length=2, max_length=MAX_PARAGRAPHS,
        description="Paragraphs in inverted-pyramid order: most important information first.",
    )
    summary: str = Field(min_length=1, max_length=DRAFT_SUMMARY_CHARS * schema.NUMBER_ROOM,
                         description="One or two sentences.")
    # Computed by finalize: the model's answer has neither (see article_schema).
    seo: Seo = Field(default_factory=Seo, description="Derived by code from headline and summary.")
    sources: list[CitedSource] = Field(
        default_factory=list, description="The sources among the facts, copied by code.",
    )


def article_schema(data: ArticleInput) -> dict[str, Any]:
    """What the model writes: the prose only, with as many body paragraphs, of such lengths,
    as the target length asks for, so that constrained decoding writes close to it."""
    body_words = data.target_words - LEDE_WORDS
    count = min(MAX_PARAGRAPHS, max(2, round(body_words / PARAGRAPH_WORDS)))
    numbers = evidence(data.facts).figures
    return schema.obj(
        headline=schema.text(1, DRAFT_HEADLINE_CHARS, numbers),
        lede=schema.text(1, DRAFT_LEDE_CHARS, numbers, sentence=True),
        body=schema.array(schema.text(*char_window(body_words, count), numbers, sentence=True),
                          count, count),
        summary=schema.text(1, DRAFT_SUMMARY_CHARS, numbers, sentence=True),
    )


def texts(article: Article) -> list[tuple[str, str]]:
    """The prose the model wrote, by field path."""
    return [
        ("headline", article.headline), ("lede", article.lede),
        *((f"body[{i}]", paragraph) for i, paragraph in enumerate(article.body)),
        ("summary", article.summary),
    ]


def finalize(article: Article, data: ArticleInput) -> Article:
    title = headline(article.headline, HEADLINE_CHARS)
    summary = clean_sentences(article.summary)
    # The slice only bites on a single word longer than the limit, which the headline's own
    # length check reports; the derived fields stay within theirs regardless.
    seo_title = shorten(title, SEO_TITLE_CHARS)[:SEO_TITLE_CHARS]
    return article.model_copy(update={
        "headline": title,
        "lede": clean_sentences(article.lede),
        "body": [clean_sentences(paragraph) for paragraph in article.body],
        "summary": summary,
        "seo": Seo(title=seo_title, slug=slugify(seo_title, SLUG_CHARS),
                   meta_description=shorten(summary, META_DESCRIPTION_CHARS)[
                       :META_DESCRIPTION_CHARS]),
        "sources": [CitedSource(name=fact.name, url=str(fact.url), title=fact.title)
                    for fact in data.facts if isinstance(fact, Source)],
    })


def check_complete(article: Article, data: ArticleInput) -> list[Problem]:
    """No empty prose, no paragraph written twice, a headline that fits and makes an SEO title
    and slug."""
    problems = [p for field, text in texts(article) for p in not_blank(field, text)]
    problems += max_length("headline", article.headline, HEADLINE_CHARS)
    problems += distinct("body", article.body)
    if article.headline.strip() and not article.seo.slug:
        problems.append(Problem(field="headline", code="no_slug",
                                message="has no letters or digits to make a URL slug from"))
    return problems


def check_length(article: Article, data: ArticleInput) -> list[Problem]:
    return near_target("body", " ".join([article.lede, *article.body]), data.target_words,
                       what="lede and body together are")


def check_grounded(article: Article, data: ArticleInput) -> list[Problem]:
    known = evidence(data.facts)
    return [p for field, text in texts(article) for p in grounding.check(field, text, known)]


GENERATOR = Generator(
    name="news.article",
    description="A news article in inverted-pyramid order, written only from the given facts, "
                "with summary, SEO block and sources.",
    input_model=ArticleInput,
    output_model=Article,
    system="news/system.j2",
    prompt="news/article.user.j2",
    templates_from=__package__,
    options=sampling.options(max_tokens=2048),
    validators=(check_complete, check_length, check_grounded),
    finalize=finalize,
    output_schema=article_schema,
)
