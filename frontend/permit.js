// Starts GOV.UK Frontend and MoJ Frontend components on every page.
// Loaded as an ES module from /assets (no inline script, so a strict CSP can allow it).
import { initAll as initGovukFrontend } from './govuk-frontend.min.js'
import { initAll as initMojFrontend } from './moj-frontend.min.js'

initGovukFrontend()
initMojFrontend()
