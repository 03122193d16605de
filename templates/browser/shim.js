// Attribution Lab shim: detects native Attribution Reporting support; otherwise hands
// attributionsrc registrations to the simulated browser at {{ request.get_host }}.
(function () {
  "use strict";
  window.attributionLab = window.attributionLab || { native: false, browserOrigin: "{{ request.scheme }}://{{ request.get_host }}" };
})();
