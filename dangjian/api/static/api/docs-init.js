/* Starts Swagger UI on /api/v1/docs (a static file: CSP forbids inline scripts). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  config.layout = "BaseLayout";
  window.ui = SwaggerUIBundle(config);
})();
