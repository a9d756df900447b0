// Swagger UI for /api/v1/docs (served as a file under the portal's CSP: no inline script).
// Nothing is persisted: a bearer token typed into "Authorize" lives in this page's memory
// only (nothing in browser storage), and no other spec or validator is loaded.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  persistAuthorization: false,
  queryConfigEnabled: false,
  validatorUrl: null,
  deepLinking: false,
});
