#!/usr/bin/env python3
"""Bench driver for the Python baselines: one transfer, timed in this process, one JSON line out.

  driver.py s3ec-put  SPEC_JSON   official S3 Encryption Client v4 (V3 suite), upload_file, its defaults
  driver.py awscli-put SPEC_JSON  `aws s3 cp FILE s3://bucket/key` (awscli's own driver, in-process)
  driver.py awscli-get SPEC_JSON  `aws s3 cp s3://bucket/key FILE`, FILE removed afterwards

SPEC_JSON is the bench's ChildSpec (endpoint, bucket, key, file, downloadKey, caFile, ...). The JSON
line has the fields of scripts/bench/child.ts ChildResult: wall seconds and CPU seconds of the
transfer alone (imports and client construction excluded), and the process's peak RSS
(getrusage ru_maxrss). Python threads share the process, so RUSAGE_SELF covers all of them.

The S3EC's KMS client is a local stand-in (generate_data_key / decrypt without a network round
trip), as s3-cse's bench keyring is: the official client's own encryption path is unchanged.
"""
import json
import os
import resource
import sys
import time


def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime, r.ru_maxrss


def local_kms(boto3, spec):
    """A boto3 KMS client whose generate_data_key / decrypt never go to the network: the 'wrapped'
    key is the key itself (bench only; the objects are discarded)."""
    kms = boto3.client("kms", **common(spec))

    def generate_data_key(KeyId, KeySpec=None, EncryptionContext=None, **_):  # noqa: N803 - boto3 names
        key = os.urandom(32)
        return {"Plaintext": key, "CiphertextBlob": key, "KeyId": KeyId}

    kms.generate_data_key = generate_data_key
    kms.decrypt = lambda CiphertextBlob, **_: {"Plaintext": CiphertextBlob}  # noqa: N803
    return kms


def common(spec):
    return dict(
        endpoint_url=spec["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        verify=spec.get("caFile") or None,
    )


def s3ec_put(spec):
    import boto3
    from botocore.config import Config
    from s3_encryption import S3EncryptionClient, S3EncryptionClientConfig
    from s3_encryption.materials import KmsKeyring

    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **common(spec))
    keyring = KmsKeyring(kms_client=local_kms(boto3, spec), kms_key_id="bench")
    client = S3EncryptionClient(s3, S3EncryptionClientConfig(keyring=keyring))
    return lambda: client.upload_file(spec["file"], spec["bucket"], spec["key"])


def awscli(args, spec):
    from awscli.clidriver import create_clidriver

    os.environ["AWS_ACCESS_KEY_ID"] = "bench"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "bench"
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    config = spec["file"] + ".awsconfig"
    with open(config, "w") as f:
        f.write("[default]\ns3 =\n  addressing_style = path\n")
    os.environ["AWS_CONFIG_FILE"] = config
    argv = ["s3", "cp", *args, "--endpoint-url", spec["endpoint"], "--only-show-errors", "--no-progress"]
    if spec.get("caFile"):
        argv += ["--ca-bundle", spec["caFile"]]
    driver = create_clidriver()

    def run():
        code = driver.main(argv)
        if code != 0:
            raise RuntimeError(f"aws {' '.join(argv[:3])} exited with {code}")

    return run


def main(mode, spec):
    if mode == "s3ec-put":
        run = s3ec_put(spec)
        cleanup = lambda: None  # noqa: E731
    elif mode == "awscli-put":
        run = awscli([spec["file"], f"s3://{spec['bucket']}/{spec['key']}"], spec)
        cleanup = lambda: None  # noqa: E731
    elif mode == "awscli-get":
        out = spec["file"] + "." + spec["key"].replace("/", "_") + ".out"
        run = awscli([f"s3://{spec['bucket']}/{spec['downloadKey']}", out], spec)
        cleanup = lambda: os.path.exists(out) and os.remove(out)  # noqa: E731
    else:
        raise SystemExit(f"unknown mode {mode}")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    u0, s0, _ = usage()
    t0 = time.perf_counter()
    try:
        run()
    finally:
        seconds = time.perf_counter() - t0
        cleanup()
    u1, s1, maxrss = usage()
    return {
        "config": spec["config"],
        "seconds": seconds,
        "cpuUserSeconds": u1 - u0,
        "cpuSystemSeconds": s1 - s0,
        "maxRssMiB": maxrss / 1024,
        "rssBeforeMiB": rss_before / 1024,
        "cpuProcessSeconds": u1 + s1,
    }


if __name__ == "__main__":
    print()
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))))
    sys.stdout.flush()
