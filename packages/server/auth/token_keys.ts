import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { JwksClient } from "jwks-rsa";
import type { JwtConfig } from "../config/load_config.ts";

/** A key to verify tokens with, or how to find the key of a token. */
export type TokenKeys = KeyObject | ((header: jwt.JwtHeader) => Promise<KeyObject>);

/**
 * The keys tokens are verified with: the shared secret as a `KeyObject`
 * imported once (given a string, jsonwebtoken tries it as a public key
 * first on every request), or, with `JWT_JWKS_URL`, a lookup of each token's
 * `kid` in the JWKS (jwks-rsa caches and rate-limits fetches), each
 * published key imported once, and refused for an algorithm of another
 * family or curve.
 *
 * @param config Token verification settings.
 * @returns The key, or the lookup.
 *
 * @example
 * ```ts
 * const secret = tokenKeys(config.jwt);
 * ```
 */
export function tokenKeys(config: JwtConfig): TokenKeys {
  if (config.jwksUrl === undefined) return createSecretKey(Buffer.from(config.secret as string, "utf8"));
  const { jwksUrl } = config;
  // Loaded with the first token, not at start-up: a service on a shared secret never holds jwks-rsa and jose
  // in memory (about 20 MB of resident memory).
  let client: Promise<JwksClient> | undefined;
  const clientOf = () =>
    (client ??= import("jwks-rsa").then(
      ({ JwksClient }) => new JwksClient({ jwksUri: jwksUrl, cache: true, rateLimit: true, timeout: 5000 }),
    ));
  const algorithms = new Set<string>(config.algorithms);
  // Imported once per published key, not per request (jwks-rsa caches the PEM, not the parsed key).
  const imported = new Map<string, KeyObject>();
  return async (header) => {
    if (!algorithms.has(header.alg)) throw new jwt.JsonWebTokenError("invalid algorithm");
    const pem = (await (await clientOf()).getSigningKey(header.kid)).getPublicKey();
    let key = imported.get(pem);
    if (key === undefined) {
      if (imported.size >= 64) imported.clear(); // a JWKS holds a handful of keys; rotation only adds a few
      key = createPublicKey(pem);
      imported.set(pem, key);
    }
    // An ES256 token under an RSA key's kid (or the reverse) is a bad token, not a fault of ours.
    const type = key.asymmetricKeyType === "rsa-pss" ? "rsa" : key.asymmetricKeyType;
    const curve = CURVES[header.alg];
    if (
      KEY_TYPES[header.alg.slice(0, 2)] !== type ||
      (curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== curve)
    ) {
      throw new jwt.JsonWebTokenError("invalid algorithm");
    }
    return key;
  };
}

// The key type each algorithm family needs.
const KEY_TYPES: Record<string, string> = { RS: "rsa", PS: "rsa", ES: "ec" };
const CURVES: Record<string, string> = { ES256: "prime256v1", ES384: "secp384r1", ES512: "secp521r1" };
