"""Local stand-ins for the channels' APIs (tests and the demo): WeChat official account and
Weibo. Each is a real HTTP server on 127.0.0.1 speaking the documented paths, parameters, JSON
shapes and error codes, and checking what the real server checks."""
