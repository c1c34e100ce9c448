# frozen_string_literal: true

# Drives AWS's official Ruby S3 Encryption Clients (Debian ruby-aws-sdk-s3 / ruby-aws-sdk-kms)
# for the s3-cse interop tests. Reads one JSON request on stdin, prints one JSON line on stdout.
#
# Request:
#   endpoint, region, bucket, key   where the object lives (moto_server, path-style)
#   op        "put" (encrypt file → object) | "get" (object → decrypt to file)
#   client    "v2" (Aws::S3::EncryptionV2::Client) | "v1" (legacy Aws::S3::Encryption::Client)
#   keyring   {"kind":"kms","keyId":…} | {"kind":"aes","key":<base64>} | {"kind":"rsa","privateKeyPem":…}
#   context   KMS encryption context (v2 kms only), default {}
#   securityProfile  "v2" (default) | "v2_and_legacy" (v2 get only)
#   envelopeLocation "metadata" (default) | "instruction_file" (<key>.instruction)
#   file      plaintext source (put) or destination (get)
# Reply: {"ok":true,"bytes":N,"sha256":hex} or {"ok":false,"error":class,"message":…} (exit 1).
require 'json'
require 'digest'
require 'base64'
require 'openssl'
require 'aws-sdk-s3'
require 'aws-sdk-kms'

# Debian's aws-sdk-kms 1.24.0 predates Decrypt's optional KeyId member, which
# Aws::S3::EncryptionV2 always sends; newer releases model it as a KeyIdType string.
unless Aws::KMS::ClientApi::DecryptRequest.member?(:key_id)
  Aws::KMS::ClientApi::DecryptRequest.add_member(
    :key_id,
    Seahorse::Model::Shapes::ShapeRef.new(shape: Aws::KMS::ClientApi::KeyIdType, location_name: 'KeyId')
  )
end

def s3_and_kms(req)
  common = {
    endpoint: req.fetch('endpoint'),
    region: req.fetch('region', 'us-east-1'),
    credentials: Aws::Credentials.new('testing', 'testing')
  }
  [Aws::S3::Client.new(**common, force_path_style: true), Aws::KMS::Client.new(**common)]
end

def key_options(keyring, kms)
  case keyring.fetch('kind')
  when 'kms' then { kms_key_id: keyring.fetch('keyId'), kms_client: kms }
  when 'aes' then { encryption_key: Base64.strict_decode64(keyring.fetch('key')) }
  when 'rsa' then { encryption_key: OpenSSL::PKey::RSA.new(keyring.fetch('privateKeyPem')) }
  else raise ArgumentError, "unknown keyring kind #{keyring['kind']}"
  end
end

WRAP_SCHEMAS = { 'kms' => :kms_context, 'aes' => :aes_gcm, 'rsa' => :rsa_oaep_sha1 }.freeze

def encryption_client(req, s3, kms)
  keyring = req.fetch('keyring')
  options = {
    client: s3,
    envelope_location: req.fetch('envelopeLocation', 'metadata').to_sym,
    **key_options(keyring, kms)
  }
  return Aws::S3::Encryption::Client.new(**options) if req.fetch('client') == 'v1'

  Aws::S3::EncryptionV2::Client.new(
    **options,
    key_wrap_schema: WRAP_SCHEMAS.fetch(keyring.fetch('kind')),
    content_encryption_schema: :aes_gcm_no_padding,
    security_profile: req.fetch('securityProfile', 'v2').to_sym
  )
end

def run(req)
  s3, kms = s3_and_kms(req)
  client = encryption_client(req, s3, kms)
  target = { bucket: req.fetch('bucket'), key: req.fetch('key') }
  v2 = req.fetch('client') == 'v2'
  context = req.fetch('context', {})
  file = req.fetch('file')
  case req.fetch('op')
  when 'put'
    data = File.binread(file)
    params = target.merge(body: data)
    params[:kms_encryption_context] = context if v2 && req['keyring']['kind'] == 'kms'
    client.put_object(params)
  when 'get'
    params = target.merge(response_target: file)
    params[:kms_encryption_context] = context if v2 && req['keyring']['kind'] == 'kms'
    client.get_object(params)
    data = File.binread(file)
  else
    raise ArgumentError, "unknown op #{req['op']}"
  end
  { ok: true, bytes: data.bytesize, sha256: Digest::SHA256.hexdigest(data) }
end

begin
  $stdout.puts JSON.generate(run(JSON.parse($stdin.read)))
rescue StandardError => e
  $stdout.puts JSON.generate(ok: false, error: e.class.name, message: e.message)
  exit 1
end
