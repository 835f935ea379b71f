"""The OpenAPI schema: YAML or JSON for API clients as before, and for a browser (which asks
for HTML) the same YAML shown on a page of the site instead of a file download."""

from django.template.loader import render_to_string
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView


class SchemaPageRenderer(OpenApiYamlRenderer):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        text = super().render(data, accepted_media_type, renderer_context).decode()
        request = (renderer_context or {}).get("request")
        return render_to_string("api/schema.html", {"schema": text}, request=request).encode()


class SchemaView(SpectacularAPIView):
    # Clients asking for */* still get YAML first; only an explicit text/html gets the page.
    renderer_classes = [*SpectacularAPIView.renderer_classes, SchemaPageRenderer]
