import { initAll } from '/govuk/govuk-frontend.min.js';
initAll();
