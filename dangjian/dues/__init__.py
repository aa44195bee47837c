"""Party dues (S13): bases, exact calculation, bills, payment, ledgers, arrears (issue 4)."""
