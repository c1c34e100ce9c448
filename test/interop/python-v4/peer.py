#!/usr/bin/env python3
"""Interop peer around amazon-s3-encryption-client-python 4.x (the official S3 Encryption Client v4).

  peer.py put|get --endpoint URL --bucket B --key K --kms-key-id ID [--context k=v ...]
                  [--instruction-file] [--range a-b] [--policy POLICY] [--format v3|v2]
                  [--legacy] [--part-size N] --file F

Prints one JSON line: {"ok":true,"bytes":N,"sha256":"..."} or {"ok":false,"error":"Type","message":"..."}.
The Python client writes only object metadata (no instruction-file writes) and has no ranged GET:
`--instruction-file` on put and `--range` on get are passed to the client as far as its API goes and
its refusal is reported (never emulated here).
"""
import argparse
import hashlib
import json
import sys

import boto3
from botocore.config import Config
from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
from s3_encryption.materials import AlgorithmSuite, CommitmentPolicy, KmsKeyring

POLICIES = {
    "require-encrypt-require-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
    "require-encrypt-allow-decrypt": CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
    "forbid-encrypt-allow-decrypt": CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
}
FORMATS = {
    "v3": AlgorithmSuite.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    "v2": AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="peer.py")
    p.add_argument("op", choices=["put", "get"])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--kms-key-id", required=True)
    p.add_argument("--context", action="append", default=[], metavar="K=V")
    p.add_argument("--instruction-file", action="store_true")
    p.add_argument("--range")
    p.add_argument("--policy", choices=sorted(POLICIES))
    p.add_argument("--format", choices=sorted(FORMATS), default="v3")
    p.add_argument("--legacy", action="store_true", help="enable legacy wrapping and unauthenticated modes")
    p.add_argument("--part-size", type=int, help="multipart upload with this part size (upload_file)")
    p.add_argument("--file", required=True)
    return p.parse_args(argv)


def context_of(pairs):
    out = {}
    for pair in pairs:
        k, sep, v = pair.partition("=")
        if not sep:
            raise ValueError(f"--context wants k=v, got {pair!r}")
        out[k] = v
    return out


def main(argv):
    a = parse_args(argv)
    common = dict(
        endpoint_url=a.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common)
    kms = boto3.client("kms", **common)
    keyring = KmsKeyring(kms_client=kms, kms_key_id=a.kms_key_id, enable_legacy_wrapping_algorithms=a.legacy)
    suite = FORMATS[a.format]
    if a.policy:
        policy = POLICIES[a.policy]
    else:
        # The client's default (REQUIRE_ENCRYPT_REQUIRE_DECRYPT) cannot write V2; V2 needs FORBID_ENCRYPT.
        policy = CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT if a.format == "v2" else None
    kwargs = dict(keyring=keyring, encryption_algorithm=suite, enable_legacy_unauthenticated_modes=a.legacy)
    if policy is not None:
        kwargs["commitment_policy"] = policy
    client = S3EncryptionClient(s3, S3EncryptionClientConfig(**kwargs))
    ctx = context_of(a.context)
    extra = {"EncryptionContext": ctx} if ctx else {}

    if a.op == "put":
        if a.instruction_file:
            raise NotImplementedError(
                "amazon-s3-encryption-client-python 4.x writes object metadata only (no instruction-file writes)"
            )
        with open(a.file, "rb") as f:
            data = f.read()
        if a.part_size:
            client.upload_file(
                a.file, a.bucket, a.key, multipart_threshold=1, multipart_chunksize=a.part_size, **extra
            )
        else:
            client.put_object(Bucket=a.bucket, Key=a.key, Body=data, **extra)
        return {"ok": True, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    get = dict(Bucket=a.bucket, Key=a.key, **extra)
    if a.range:
        get["Range"] = f"bytes={a.range}"
    resp = client.get_object(**get)
    h = hashlib.sha256()
    n = 0
    with open(a.file, "wb") as out:
        while True:
            chunk = resp["Body"].read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
            h.update(chunk)
            n += len(chunk)
    return {"ok": True, "bytes": n, "sha256": h.hexdigest()}


if __name__ == "__main__":
    try:
        reply = main(sys.argv[1:])
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - every failure becomes the JSON reply
        reply = {"ok": False, "error": type(e).__name__, "message": str(e)}
    print(json.dumps(reply))
