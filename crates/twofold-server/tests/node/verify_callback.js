// Checks one OneTouch callback with authy-client 1.1.4's own verifyCallback (the request shape it
// expects: body, headers with host, method, protocol, url path). Reads
// {"key", "body", "headers", "method", "protocol", "url"} as JSON on stdin; prints "valid" or
// the violation and exits non-zero.
"use strict";
const { Client } = require("authy-client");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const req = JSON.parse(input);
  const client = new Client({ key: req.key });
  try {
    await client.verifyCallback({
      body: req.body,
      headers: req.headers,
      method: req.method,
      protocol: req.protocol,
      url: req.url,
    });
    console.log("valid");
  } catch (e) {
    console.log(`invalid: ${e && e.message ? e.message : e} ${JSON.stringify(e && e.errors ? e.errors : {})}`);
    process.exit(1);
  }
});
