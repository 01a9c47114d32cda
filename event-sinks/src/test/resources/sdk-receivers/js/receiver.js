// A CloudEvents receiver built on the JavaScript SDK (npm `cloudevents`), as a user's service would be:
// every request goes through HTTP.toEvent. Accepted events are appended, as the SDK sees them, to the
// JSONL file named by argv[2]; a request the SDK rejects gets 400 and its message. Prints its port.
const http = require("http");
const fs = require("fs");
const { HTTP } = require("cloudevents");

const out = process.argv[2];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const parsed = HTTP.toEvent({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const events = Array.isArray(parsed) ? parsed : [parsed];
      fs.appendFileSync(out, events.map((e) => JSON.stringify(e) + "\n").join(""));
      res.writeHead(202).end();
    } catch (e) {
      const message = String(e && e.message ? e.message : e) + (e && e.errors ? " " + JSON.stringify(e.errors) : "");
      fs.appendFileSync(out + ".rejected", message + "\n");
      res.writeHead(400, { "content-type": "text/plain" }).end(message);
    }
  });
});
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
process.stdin.on("end", () => process.exit(0)); // the test closes our stdin to stop us
process.stdin.resume();
