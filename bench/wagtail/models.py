"""A Wagtail page with the fields of a Newsroom story (copied into the Wagtail project
by bench/wagtail/build.sh as home/models.py)."""

from django.db import models
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page


class HomePage(Page):
    pass


class BriefingBlock(blocks.StructBlock):
    label = blocks.CharBlock()
    body = blocks.RichTextBlock()


class LinkBlock(blocks.StructBlock):
    title = blocks.CharBlock()
    page = blocks.PageChooserBlock(required=False)
    url = blocks.URLBlock(required=False)


class Author(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    job_title = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return self.name


class Section(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.name


class StoryPage(Page):
    """Headline (the page title), dek, dateline, lede, section, bylines, tags, briefing
    sections and Go deeper links: what a Newsroom story shows."""

    dek = models.CharField(max_length=300, blank=True)
    dateline = models.CharField(max_length=100, blank=True)
    lede = models.TextField()
    section = models.ForeignKey(Section, null=True, on_delete=models.SET_NULL)
    authors = models.ManyToManyField(Author, blank=True)
    tag_names = models.CharField(max_length=300, blank=True)
    body = StreamField([("briefing", BriefingBlock())], blank=True)
    links = StreamField([("link", LinkBlock())], blank=True)
