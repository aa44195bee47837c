"""Online reporting and supervision (网络举报监督平台, issue 19): reports that the server itself
cannot read, receipt-code follow-up, handling on working-day deadlines. docs/modules/reports.md."""
