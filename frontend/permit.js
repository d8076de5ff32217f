// Starts GOV.UK Frontend and MoJ Frontend components on every page.
// Loaded as an ES module from /assets (no inline script, so a strict CSP can allow it).
import { createAll, initAll as initGovukFrontend } from './govuk-frontend.min.js'
import { FilterToggleButton, initAll as initMojFrontend } from './moj-frontend.min.js'

initGovukFrontend()
initMojFrontend()

// MoJ's initAll leaves out the filter's toggle button: start it on each
// data-module="moj-filter" (templates/macros/moj.html, moj_filter_layout). Below 769px
// MoJ's CSS lays the panel over the page, so it starts hidden behind a "Show filter"
// button in .moj-action-bar__filter, with a Close button in .moj-filter__header-action;
// opening moves focus to the panel and Close returns it to the button. Wider screens
// show the panel beside the results, as they do without JavaScript (startHidden: false;
// MoJ's default would hide it at every width). createAll is GOV.UK Frontend's: MoJ
// Frontend does not export one.
createAll(FilterToggleButton, {
  bigModeMediaQuery: '(min-width: 48.0625em)',
  startHidden: false
})
