// Command s3crypto-driver drives aws-sdk-go v1's service/s3/s3crypto (Debian
// golang-github-aws-aws-sdk-go-dev) for the s3-cse interop tests. It reads one JSON request
// on stdin and prints one JSON line on stdout.
//
// Request:
//
//	endpoint, region, bucket, key  where the object lives (moto_server, path-style)
//	op       "put" (encrypt file -> object) | "get" (object -> decrypt to file)
//	client   put: "v2" (EncryptionClientV2, kms+context GCM) | "v1-cbc" | "v1-gcm" (EncryptionClient, kms wrap)
//	         get: "v2" (DecryptionClientV2 with kms+context, kms, AES/GCM and AES/CBC registered)
//	kmsKeyId the KMS key (id, ARN or alias) to wrap with and to pass to Decrypt
//	context  extra encryption context for v2 put (material description)
//	instructionFile  put: save the envelope to <key>.instruction (S3SaveStrategy) instead of metadata
//	file     plaintext source (put) or destination (get)
//
// Reply: {"ok":true,"bytes":N,"sha256":hex} or {"ok":false,"error":type,"message":...} (exit 1).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/kms"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/s3/s3crypto"
)

type request struct {
	Endpoint string            `json:"endpoint"`
	Region   string            `json:"region"`
	Bucket   string            `json:"bucket"`
	Key      string            `json:"key"`
	Op       string            `json:"op"`
	Client   string            `json:"client"`
	KmsKeyID string            `json:"kmsKeyId"`
	Context  map[string]string `json:"context"`
	File     string            `json:"file"`
	// InstructionFile selects S3SaveStrategy (envelope in <key>.instruction) on put.
	InstructionFile bool `json:"instructionFile"`
}

type reply struct {
	Ok      bool   `json:"ok"`
	Bytes   int    `json:"bytes"`
	Sha256  string `json:"sha256,omitempty"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
}

func newSession(req request) (*session.Session, error) {
	region := req.Region
	if region == "" {
		region = "us-east-1"
	}
	return session.NewSession(&aws.Config{
		Endpoint:         aws.String(req.Endpoint),
		Region:           aws.String(region),
		Credentials:      credentials.NewStaticCredentials("testing", "testing", ""),
		S3ForcePathStyle: aws.Bool(true),
	})
}

func put(sess *session.Session, req request, data []byte) error {
	kmsClient := kms.New(sess)
	input := &s3.PutObjectInput{Bucket: &req.Bucket, Key: &req.Key, Body: bytes.NewReader(data)}
	switch req.Client {
	case "v2":
		matdesc := s3crypto.MaterialDescription{}
		for k, v := range req.Context {
			matdesc[k] = aws.String(v)
		}
		gen := s3crypto.NewKMSContextKeyGenerator(kmsClient, req.KmsKeyID, matdesc)
		client, err := s3crypto.NewEncryptionClientV2(sess, s3crypto.AESGCMContentCipherBuilderV2(gen),
			func(o *s3crypto.EncryptionClientOptions) {
				if req.InstructionFile {
					o.SaveStrategy = s3crypto.S3SaveStrategy{Client: s3.New(sess)}
				}
			})
		if err != nil {
			return err
		}
		_, err = client.PutObject(input)
		return err
	case "v1-cbc", "v1-gcm":
		gen := s3crypto.NewKMSKeyGenerator(kmsClient, req.KmsKeyID)
		builder := s3crypto.AESGCMContentCipherBuilder(gen)
		if req.Client == "v1-cbc" {
			builder = s3crypto.AESCBCContentCipherBuilder(gen, s3crypto.AESCBCPadder)
		}
		_, err := s3crypto.NewEncryptionClient(sess, builder, func(c *s3crypto.EncryptionClient) {
			if req.InstructionFile {
				c.SaveStrategy = s3crypto.S3SaveStrategy{Client: s3.New(sess)}
			}
		}).PutObject(input)
		return err
	}
	return fmt.Errorf("unknown put client %q", req.Client)
}

func get(sess *session.Session, req request) ([]byte, error) {
	if req.Client != "v2" {
		return nil, fmt.Errorf("unknown get client %q", req.Client)
	}
	kmsClient := kms.New(sess)
	registry := s3crypto.NewCryptoRegistry()
	for _, register := range []func() error{
		func() error { return s3crypto.RegisterKMSContextWrapWithCMK(registry, kmsClient, req.KmsKeyID) },
		func() error { return s3crypto.RegisterKMSWrapWithCMK(registry, kmsClient, req.KmsKeyID) },
		func() error { return s3crypto.RegisterAESGCMContentCipher(registry) },
		func() error { return s3crypto.RegisterAESCBCContentCipher(registry, s3crypto.AESCBCPadder) },
	} {
		if err := register(); err != nil {
			return nil, err
		}
	}
	client, err := s3crypto.NewDecryptionClientV2(sess, registry)
	if err != nil {
		return nil, err
	}
	out, err := client.GetObject(&s3.GetObjectInput{Bucket: &req.Bucket, Key: &req.Key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, err
	}
	return data, os.WriteFile(req.File, data, 0o600)
}

func run() (reply, error) {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return reply{}, err
	}
	sess, err := newSession(req)
	if err != nil {
		return reply{}, err
	}
	var data []byte
	switch req.Op {
	case "put":
		if data, err = os.ReadFile(req.File); err == nil {
			err = put(sess, req, data)
		}
	case "get":
		data, err = get(sess, req)
	default:
		err = fmt.Errorf("unknown op %q", req.Op)
	}
	if err != nil {
		return reply{}, err
	}
	sum := sha256.Sum256(data)
	return reply{Ok: true, Bytes: len(data), Sha256: hex.EncodeToString(sum[:])}, nil
}

func main() {
	r, err := run()
	if err != nil {
		r = reply{Ok: false, Error: fmt.Sprintf("%T", err), Message: err.Error()}
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	if err != nil {
		os.Exit(1)
	}
}
