// Interop peer around github.com/aws/amazon-s3-encryption-client-go/v4 (the official S3
// Encryption Client v4 for Go), talking to an S3 + KMS emulator.
//
//	peer put|get --endpoint URL --bucket B --key K --kms-key-id ID [--context k=v ...]
//	             [--instruction-file] [--range a-b] [--policy POLICY] [--format v3|v2]
//	             [--legacy] [--part-size N] --file F
//
// Prints one JSON line: {"ok":true,"bytes":N,"sha256":"..."} or {"ok":false,"error":"...","message":"..."}.
// The Go v4 client writes object metadata only, has no multipart upload and no ranged GET:
// --instruction-file and --part-size on put are refused here (nothing to call), and --range on get
// is passed to GetObject as a Range header so that whatever the client does with it is reported.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/amazon-s3-encryption-client-go/v4/algorithms"
	"github.com/aws/amazon-s3-encryption-client-go/v4/client"
	"github.com/aws/amazon-s3-encryption-client-go/v4/commitment"
	"github.com/aws/amazon-s3-encryption-client-go/v4/materials"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("--context wants k=v, got %q", v)
	}
	p[k] = val
	return nil
}

type args struct {
	op, endpoint, bucket, key, kmsKeyID, rangeSpec, policy, format, file string
	context                                                               pairs
	instructionFile, legacy                                               bool
	partSize                                                              int64
}

var policies = map[string]commitment.CommitmentPolicy{
	"require-encrypt-require-decrypt": commitment.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
	"require-encrypt-allow-decrypt":   commitment.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
	"forbid-encrypt-allow-decrypt":    commitment.FORBID_ENCRYPT_ALLOW_DECRYPT,
}

func parse(argv []string) (*args, error) {
	if len(argv) < 1 || (argv[0] != "put" && argv[0] != "get") {
		return nil, errors.New("usage: peer put|get --endpoint URL --bucket B --key K --kms-key-id ID --file F [...]")
	}
	a := &args{op: argv[0], context: pairs{}}
	fs := flag.NewFlagSet(a.op, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.endpoint, "endpoint", "", "")
	fs.StringVar(&a.bucket, "bucket", "", "")
	fs.StringVar(&a.key, "key", "", "")
	fs.StringVar(&a.kmsKeyID, "kms-key-id", "", "")
	fs.StringVar(&a.rangeSpec, "range", "", "")
	fs.StringVar(&a.policy, "policy", "", "")
	fs.StringVar(&a.format, "format", "v3", "")
	fs.StringVar(&a.file, "file", "", "")
	fs.Var(a.context, "context", "")
	fs.BoolVar(&a.instructionFile, "instruction-file", false, "")
	fs.BoolVar(&a.legacy, "legacy", false, "")
	fs.Int64Var(&a.partSize, "part-size", 0, "")
	if err := fs.Parse(argv[1:]); err != nil {
		return nil, err
	}
	if a.endpoint == "" || a.bucket == "" || a.key == "" || a.kmsKeyID == "" || a.file == "" {
		return nil, errors.New("--endpoint, --bucket, --key, --kms-key-id and --file are required")
	}
	return a, nil
}

func newClient(a *args) (*client.S3EncryptionClientV4, error) {
	// The v4 client fetches <key>.instruction with a second S3 client it builds itself from
	// config.LoadDefaultConfig (the environment), not with the client given to client.New; so the
	// emulator's endpoint, region and credentials must also be in the environment.
	for k, v := range map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_S3": a.endpoint,
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
	} {
		os.Setenv(k, v)
	}
	creds := credentials.NewStaticCredentialsProvider("testing", "testing", "")
	cfg := aws.Config{Region: "us-east-1", Credentials: creds}
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(a.endpoint)
		o.UsePathStyle = true
	})
	kmsClient := kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(a.endpoint) })
	keyring := materials.NewKmsKeyring(kmsClient, a.kmsKeyID, func(o *materials.KeyringOptions) {
		o.EnableLegacyWrappingAlgorithms = a.legacy
	})
	cmm, err := materials.NewCryptographicMaterialsManager(keyring)
	if err != nil {
		return nil, err
	}
	return client.New(s3Client, cmm, func(o *client.EncryptionClientOptions) {
		o.EnableLegacyUnauthenticatedModes = a.legacy
		if a.format == "v2" {
			o.EncryptionAlgorithmSuite = algorithms.AlgAES256GCMIV12Tag16NoKDF
			// The default REQUIRE_ENCRYPT_REQUIRE_DECRYPT cannot write V2.
			o.CommitmentPolicy = commitment.FORBID_ENCRYPT_ALLOW_DECRYPT
		}
		if p, ok := policies[a.policy]; ok {
			o.CommitmentPolicy = p
		}
	})
}

func run(a *args) (map[string]any, error) {
	if a.policy != "" {
		if _, ok := policies[a.policy]; !ok {
			return nil, fmt.Errorf("unknown --policy %q", a.policy)
		}
	}
	c, err := newClient(a)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if len(a.context) > 0 {
		ctx = context.WithValue(ctx, client.EncryptionContext, map[string]string(a.context))
	}
	if a.op == "put" {
		if a.instructionFile {
			return nil, errors.New("the Go S3 Encryption Client v4 writes object metadata only (no instruction-file writes)")
		}
		if a.partSize > 0 {
			return nil, errors.New("the Go S3 Encryption Client v4 has no multipart upload")
		}
		data, err := os.ReadFile(a.file)
		if err != nil {
			return nil, err
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(a.bucket), Key: aws.String(a.key), Body: bytes.NewReader(data),
		}); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		return map[string]any{"ok": true, "bytes": len(data), "sha256": hex.EncodeToString(sum[:])}, nil
	}
	in := &s3.GetObjectInput{Bucket: aws.String(a.bucket), Key: aws.String(a.key)}
	if a.rangeSpec != "" {
		in.Range = aws.String("bytes=" + a.rangeSpec)
	}
	out, err := c.GetObject(ctx, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	f, err := os.Create(a.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), out.Body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ok": true, "bytes": n, "sha256": hex.EncodeToString(h.Sum(nil))}, nil
}

func main() {
	var reply map[string]any
	a, err := parse(os.Args[1:])
	if err == nil {
		reply, err = run(a)
	}
	if err != nil {
		reply = map[string]any{"ok": false, "error": fmt.Sprintf("%T", err), "message": err.Error()}
	}
	line, _ := json.Marshal(reply)
	fmt.Println(string(line))
}
