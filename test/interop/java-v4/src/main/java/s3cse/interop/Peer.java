package s3cse.interop;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.model.SdkPartType;
import software.amazon.encryption.s3.CommitmentPolicy;
import software.amazon.encryption.s3.S3EncryptionClient;
import software.amazon.encryption.s3.algorithms.AlgorithmSuite;
import software.amazon.encryption.s3.internal.InstructionFileConfig;
import software.amazon.encryption.s3.materials.KmsKeyring;

/**
 * Interop peer around software.amazon.encryption.s3:amazon-s3-encryption-client-java (the official
 * S3 Encryption Client v4 for Java), talking to an S3 + KMS emulator.
 *
 * <pre>
 * peer put|get --endpoint URL --bucket B --key K --kms-key-id ID [--context k=v ...]
 *              [--instruction-file] [--range a-b] [--policy POLICY] [--format v3|v2]
 *              [--legacy] [--part-size N] --file F
 * </pre>
 *
 * Prints one JSON line: {"ok":true,"bytes":N,"sha256":"..."} or {"ok":false,"error":"...","message":"..."}.
 */
public final class Peer {
  private static final Map<String, CommitmentPolicy> POLICIES = Map.of(
      "require-encrypt-require-decrypt", CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
      "require-encrypt-allow-decrypt", CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
      "forbid-encrypt-allow-decrypt", CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

  private String op, endpoint, bucket, key, kmsKeyId, range, policy, format = "v3", file;
  private final Map<String, String> context = new LinkedHashMap<>();
  private boolean instructionFile, legacy;
  private long partSize;

  public static void main(String[] argv) {
    String reply;
    try {
      Peer p = new Peer();
      p.parse(argv);
      reply = p.run();
    } catch (Throwable e) {
      StringBuilder msg = new StringBuilder(String.valueOf(e.getMessage()));
      for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        msg.append(" | caused by ").append(c.getClass().getName()).append(": ").append(c.getMessage());
      }
      reply = "{\"ok\":false,\"error\":" + json(e.getClass().getName()) + ",\"message\":" + json(msg.toString()) + "}";
    }
    System.out.println(reply);
    System.exit(0);
  }

  private void parse(String[] a) {
    if (a.length < 1 || !(a[0].equals("put") || a[0].equals("get"))) throw new IllegalArgumentException("usage: peer put|get ...");
    op = a[0];
    for (int i = 1; i < a.length; i++) {
      String f = a[i];
      switch (f) {
        case "--instruction-file" -> instructionFile = true;
        case "--legacy" -> legacy = true;
        default -> {
          if (i + 1 >= a.length) throw new IllegalArgumentException(f + " needs a value");
          String v = a[++i];
          switch (f) {
            case "--endpoint" -> endpoint = v;
            case "--bucket" -> bucket = v;
            case "--key" -> key = v;
            case "--kms-key-id" -> kmsKeyId = v;
            case "--range" -> range = v;
            case "--policy" -> policy = v;
            case "--format" -> format = v;
            case "--file" -> file = v;
            case "--part-size" -> partSize = Long.parseLong(v);
            case "--context" -> {
              int eq = v.indexOf('=');
              if (eq < 0) throw new IllegalArgumentException("--context wants k=v");
              context.put(v.substring(0, eq), v.substring(eq + 1));
            }
            default -> throw new IllegalArgumentException("unknown option " + f);
          }
        }
      }
    }
    if (endpoint == null || bucket == null || key == null || kmsKeyId == null || file == null) {
      throw new IllegalArgumentException("--endpoint, --bucket, --key, --kms-key-id and --file are required");
    }
    if (policy != null && !POLICIES.containsKey(policy)) throw new IllegalArgumentException("unknown --policy " + policy);
  }

  private String run() throws Exception {
    StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    // moto_server answers "Expect: 100-continue" (which the SDK sends on PutObject/UploadPart) with
    // an interim 100 that the SDK takes as the final status; real S3 does not. Drop the header.
    ClientOverrideConfiguration noExpect = ClientOverrideConfiguration.builder()
        .addExecutionInterceptor(new ExecutionInterceptor() {
          @Override
          public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest ctx, ExecutionAttributes attrs) {
            return ctx.httpRequest().toBuilder().removeHeader("Expect").build();
          }
        })
        // A stalled request fails within the peer's budget (runPeer kills the JVM after 75 s) instead
        // of waiting out the SDK's default socket timeouts and retries.
        .apiCallAttemptTimeout(Duration.ofSeconds(20)).apiCallTimeout(Duration.ofSeconds(50)).build();
    S3Client wrapped = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(creds).forcePathStyle(true).overrideConfiguration(noExpect).build();
    KmsClient kms = KmsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(creds).overrideConfiguration(noExpect).build();
    KmsKeyring keyring = KmsKeyring.builder().kmsClient(kms).wrappingKeyId(kmsKeyId)
        .enableLegacyWrappingAlgorithms(legacy).build();
    // The builder also makes clients of its own (async, instruction files): give it the emulator too.
    S3EncryptionClient.Builder b = S3EncryptionClient.builderV4().wrappedClient(wrapped).keyring(keyring)
        .region(Region.US_EAST_1).credentialsProvider(creds).endpointOverride(URI.create(endpoint)).forcePathStyle(true)
        .overrideConfiguration(noExpect)
        .enableLegacyUnauthenticatedModes(legacy)
        .instructionFileConfig(InstructionFileConfig.builder().instructionFileClient(wrapped)
            .enableInstructionFilePutObject(instructionFile).build());
    if (format.equals("v2")) {
      // The default REQUIRE_ENCRYPT_REQUIRE_DECRYPT cannot write V2.
      b.encryptionAlgorithm(AlgorithmSuite.ALG_AES_256_GCM_IV12_TAG16_NO_KDF)
          .commitmentPolicy(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    }
    if (policy != null) b.commitmentPolicy(POLICIES.get(policy));
    try (S3EncryptionClient c = b.build()) {
      MessageDigest h = MessageDigest.getInstance("SHA-256");
      if (op.equals("put")) {
        byte[] data = Files.readAllBytes(Path.of(file));
        if (partSize > 0) multipart(c, data); else {
          c.putObject(PutObjectRequest.builder().bucket(bucket).key(key)
              .overrideConfiguration(S3EncryptionClient.withAdditionalConfiguration(context)).build(),
              RequestBody.fromBytes(data));
        }
        return ok(data.length, h.digest(data));
      }
      GetObjectRequest.Builder g = GetObjectRequest.builder().bucket(bucket).key(key)
          .overrideConfiguration(S3EncryptionClient.withAdditionalConfiguration(context));
      if (range != null) g.range("bytes=" + range);
      long n = 0;
      try (ResponseInputStream<GetObjectResponse> in = c.getObject(g.build());
           OutputStream out = Files.newOutputStream(Path.of(file))) {
        byte[] buf = new byte[1 << 16];
        for (int r; (r = in.read(buf)) > 0; ) {
          out.write(buf, 0, r);
          h.update(buf, 0, r);
          n += r;
        }
      }
      return ok(n, h.digest());
    }
  }

  /** The client's low-level multipart API: parts of partSize, the last one marked SdkPartType.LAST. */
  private void multipart(S3EncryptionClient c, byte[] data) {
    String uploadId = c.createMultipartUpload(b -> b.bucket(bucket).key(key)
        .overrideConfiguration(S3EncryptionClient.withAdditionalConfiguration(context))).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    int number = 1;
    for (long off = 0; off < data.length; off += partSize, number++) {
      int len = (int) Math.min(partSize, data.length - off);
      boolean last = off + len >= data.length;
      UploadPartRequest.Builder pr = UploadPartRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
          .partNumber(number);
      if (last) pr.sdkPartType(SdkPartType.LAST);
      UploadPartResponse r = c.uploadPart(pr.build(), RequestBody.fromBytes(java.util.Arrays.copyOfRange(data, (int) off, (int) off + len)));
      parts.add(CompletedPart.builder().partNumber(number).eTag(r.eTag()).build());
    }
    c.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
        .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
  }

  private static String ok(long n, byte[] sha) {
    return "{\"ok\":true,\"bytes\":" + n + ",\"sha256\":\"" + HexFormat.of().formatHex(sha) + "\"}";
  }

  private static String json(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> { if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch)); else sb.append(ch); }
      }
    }
    return sb.append('"').toString();
  }
}
