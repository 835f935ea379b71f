"""A small published corpus for the citation and export tests: testimony under a pseudonym,
an article excerpt with authors and an outlet, a restricted record, and a public collection
version holding all three (one as a single passage)."""

from dataclasses import dataclass

from archive import roles
from archive.models import Collection, CollectionVersion, Record, Source, Testimony
from archive.services import collections as coll
from archive.services import intake
from tests.factories import make_record, make_user

# Every character BibTeX or LaTeX treats specially, and Uyghur (Arabic script) and Chinese.
TRICKY_TITLE = "Camp {B} & 50% of re_education: $5, #3, ~ \\ — قايتا تەربىيەلەش 再教育营"
SECRET_TITLE = "Zebrafinch secret testimony"
SECRET_TEXT = "The quokkawitness saw the gate of the second camp."
STAFF = ("boss-jamila", "curator-nurlan")  # usernames that must never reach a citation


@dataclass
class Corpus:
    boss: object
    curator: object
    testimony: Record
    article: Record
    secret: Record
    collection: Collection
    version: CollectionVersion


def build_corpus(*, images: bool = False) -> Corpus:
    """`images`: the article and the restricted record get a photo each (set MEDIA_ROOT)."""
    boss = make_user(STAFF[0], roles.ARCHIVIST)
    curator = make_user(STAFF[1], roles.LAWYER)
    testimony = make_record(
        "I was taken to the camp in 2017.",
        "We sang songs in Chinese every morning: 我们唱红歌.",
        kind="testimony",
        title=TRICKY_TITLE,
        language="ug",
        access_level="public",
    )
    Testimony.objects.create(
        record=testimony, narrator_pseudonym="Narrator Q-17", relation="survivor",
        consent_scope="public",
    )  # fmt: skip
    source = Source.objects.create(
        outlet="Radio Free Asia",
        title="Cameras at the gate",
        authors=["Gulchehra Hoja", "Shohret Hoshur"],
    )
    article = make_record(
        "Cameras were installed at the gate.",
        "Residents scanned their identity cards.",
        title="Checkpoints in Kashgar",
        source=source,
    )
    secret = make_record(
        SECRET_TEXT, kind="testimony", title=SECRET_TITLE, access_level="restricted"
    )
    if images:
        from archive.services.attachments import attachment_add
        from tests.intake.test_images import photo

        attachment_add(record=article, data=photo(), by=boss, caption="The gate")
        attachment_add(record=secret, data=photo(size=(40, 30)), by=boss, caption="Camp gate")
    for record in (testimony, article, secret):
        intake.publish(record=record, by=boss)
    collection = coll.collection_create(
        title="Gate & camp {bundle}", by=curator, visibility="public"
    )
    coll.collection_add_item(collection=collection, record=testimony, by=curator)
    coll.collection_add_item(
        collection=collection, record=article, passage_number=2, by=curator, annotation="= see ¶2"
    )
    coll.collection_add_item(collection=collection, record=secret, by=curator)
    version = coll.collection_publish(collection=collection, by=curator)
    return Corpus(boss, curator, testimony, article, secret, collection, version)
