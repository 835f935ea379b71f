// Starts Swagger UI on the schema named by the page; a static file because the CSP allows
// no inline script. Requests "Try it out" makes carry the session's CSRF token.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.dataset.csrfToken;
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // The validator badge would fetch from validator.swagger.io; nothing leaves this host.
    validatorUrl: null,
    requestInterceptor: function (request) {
      if (request.method && request.method !== "GET") {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
