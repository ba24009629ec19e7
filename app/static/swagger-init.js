// Starts Swagger UI on /docs. A file, not an inline script, so that the page's Content-Security-Policy can
// forbid inline scripts. The options are FastAPI's defaults, without the online validator badge (it would
// load an image from outside the service).
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
