"""Markdown written by curators, rendered safely: CommonMark with raw HTML escaped, images off
(they would load from other hosts), and markdown-it's refusal of javascript:/data: links."""

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False}).disable("image")


def render(text: str) -> SafeString:
    # SECURITY: html=False escapes every tag, so the output holds only markdown-it's own tags.
    return mark_safe(_renderer.render(text or ""))  # noqa: S308
