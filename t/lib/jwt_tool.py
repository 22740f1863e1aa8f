#!/usr/bin/python3
"""Keys and tokens for the JWT tests, made by other implementations than
the module's own (OpenSSL's command line for keys, PyJWT for tokens), so
the tests prove interoperability.

  jwt_tool.py keys DIR
      rsa.pem/rsa.pub (2048), rsa2.pem/rsa2.pub, ec256.pem/ec256.pub,
      ec384.pem/ec384.pub, hmac.key (64 bytes), jwks.json (rsa as kid
      "k1", rsa2 as kid "k2", ec256 as kid "e1")
  jwt_tool.py token ALG KEYFILE [--kid K] [--claims JSON] [--header JSON]
      [--exp-in SECONDS]
      prints a compact JWS; claims default to sub=alice, exp in 300 s
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization


def b64u_int(n):
    raw = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()


def jwk_of(pub_path, kid):
    with open(pub_path, 'rb') as f:
        pub = serialization.load_pem_public_key(f.read())
    nums = pub.public_numbers()
    if hasattr(nums, 'n'):
        return {'kty': 'RSA', 'kid': kid, 'use': 'sig',
                'n': b64u_int(nums.n), 'e': b64u_int(nums.e)}
    size = (pub.curve.key_size + 7) // 8
    crv = {256: 'P-256', 384: 'P-384', 521: 'P-521'}[pub.curve.key_size]

    def coord(v):
        return base64.urlsafe_b64encode(
            v.to_bytes(size, 'big')).rstrip(b'=').decode()

    return {'kty': 'EC', 'kid': kid, 'use': 'sig', 'crv': crv,
            'x': coord(nums.x), 'y': coord(nums.y)}


def openssl(*args):
    subprocess.run(['openssl'] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cmd_keys(d):
    os.makedirs(d, exist_ok=True)
    for name in ('rsa', 'rsa2'):
        openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt',
                'rsa_keygen_bits:2048', '-out', f'{d}/{name}.pem')
        openssl('pkey', '-in', f'{d}/{name}.pem', '-pubout',
                '-out', f'{d}/{name}.pub')
    for name, curve in (('ec256', 'P-256'), ('ec384', 'P-384')):
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt',
                f'ec_paramgen_curve:{curve}', '-out', f'{d}/{name}.pem')
        openssl('pkey', '-in', f'{d}/{name}.pem', '-pubout',
                '-out', f'{d}/{name}.pub')
    with open(f'{d}/hmac.key', 'wb') as f:
        f.write(os.urandom(64).hex().encode())
    jwks = {'keys': [jwk_of(f'{d}/rsa.pub', 'k1'),
                     jwk_of(f'{d}/rsa2.pub', 'k2'),
                     jwk_of(f'{d}/ec256.pub', 'e1')]}
    with open(f'{d}/jwks.json', 'w') as f:
        json.dump(jwks, f)


def cmd_token(a):
    with open(a.keyfile, 'rb') as f:
        key = f.read()
    claims = {'sub': 'alice', 'exp': int(time.time()) + a.exp_in}
    if a.claims:
        claims.update(json.loads(a.claims))
        claims = {k: v for k, v in claims.items() if v is not None}
    headers = json.loads(a.header) if a.header else {}
    if a.kid:
        headers['kid'] = a.kid
    if a.alg.startswith('HS'):
        key = key.strip()
    print(jwt.encode(claims, key, algorithm=a.alg, headers=headers))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    k = sub.add_parser('keys')
    k.add_argument('dir')
    t = sub.add_parser('token')
    t.add_argument('alg')
    t.add_argument('keyfile')
    t.add_argument('--kid')
    t.add_argument('--claims')
    t.add_argument('--header')
    t.add_argument('--exp-in', type=int, default=300)
    a = p.parse_args()
    if a.cmd == 'keys':
        cmd_keys(a.dir)
    else:
        cmd_token(a)


if __name__ == '__main__':
    sys.exit(main())
