"""Native mode: a real Chrome 149, which still ships the Attribution Reporting API, against the demo."""
