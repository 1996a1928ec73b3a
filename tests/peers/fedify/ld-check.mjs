// Linked Data signatures checked by Fedify (an implementation nobody here wrote):
// tests/integration/federation/ld_signatures.rs hands it documents aerie signed and asks it to
// sign documents aerie must verify.
//
//   node ld-check.mjs verify   < {"document": {...}, "actor": {...actor document with publicKey...}}
//     prints "verified" or "rejected"
//   node ld-check.mjs sign     < {"document": {...}, "private_key_pem": "...", "key_id": "..."}
//     prints the signed document
//
// Keys are never fetched: the document loader answers the actor given on stdin;
// contexts come from Fedify's preloaded set.
import { signJsonLd, verifyJsonLd } from "@fedify/fedify";
import { webcrypto } from "node:crypto";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const mode = process.argv[2];
if (mode === "verify") {
  const actor = input.actor;
  const documentLoader = async (url) => {
    const wanted = url.split("#")[0];
    if (wanted === actor.id || url === actor.publicKey?.id) {
      return { contextUrl: null, documentUrl: url, document: actor };
    }
    throw new Error(`no document for ${url} in this check`);
  };
  const ok = await verifyJsonLd(input.document, { documentLoader });
  console.log(ok ? "verified" : "rejected");
} else if (mode === "sign") {
  const der = Buffer.from(input.private_key_pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const key = await webcrypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
  const signed = await signJsonLd(input.document, key, new URL(input.key_id), {});
  console.log(JSON.stringify(signed));
} else {
  console.error("usage: node ld-check.mjs verify|sign < input.json");
  process.exit(2);
}
