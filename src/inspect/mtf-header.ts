/**
 * Recognises the start of a SQL Server backup: Microsoft Tape Format (MTF) media, whose first
 * descriptor block is `TAPE` (MTF_DB_HDR common header + MTF_TAPE fields). Offsets from the
 * MTF 1.00a specification, checked against real SQL Server 2016 backups (fixtures/bak/SOURCES.md).
 */

/** Bytes of plaintext the header check needs (the common header and TAPE fields fit in 96). */
export const MTF_HEAD_BYTES = 4096;

export interface BackupHeaderCheck {
  /** True if the bytes start with a well-formed MTF TAPE descriptor block. */
  readonly looksLikeBackup: boolean;
  /** Why not, or what was found, in plain words. */
  readonly reason: string;
  readonly checksumValid?: boolean;
  /** 0x1200 is Microsoft SQL Server. */
  readonly softwareVendorId?: number;
  readonly softwareName?: string;
  readonly formatLogicalBlockSize?: number;
  readonly mtfMajorVersion?: number;
  /** MTF_TAPE Media Family ID (uint32 at 52, MTF 1.00a §5.2.1): one per media family (stripe). */
  readonly mediaFamilyId?: number;
  /** MTF_TAPE Media Sequence Number (uint16 at 60): the medium's place in its family (1 on disk). */
  readonly mediaSequenceNumber?: number;
  /**
   * SQL Server's media-set GUID, hex, from the `RAID` descriptor that follows the TAPE block's
   * strings (16 bytes at RAID + 22: in both fixtures they have the version-4 and RFC 4122 variant bits of a random .NET GUID at bytes 7 and 8). [INFERENCE] Read from real SQL Server 2016 backups (two
   * independent backups carry different values); that all stripes of one BACKUP … TO DISK=…, DISK=…
   * carry the same value is not yet confirmed on a striped sample.
   */
  readonly mediaSetId?: string;
}

const TAPE_FIELDS_END = 94;
const SQL_SERVER_VENDOR_ID = 0x1200;

/** Known non-MTF starts, to say what the file is instead. */
const OTHER_MAGICS: readonly [string, string][] = [
  ["PGDMP", "a PostgreSQL custom-format dump"],
  ["MSSQLBAK", "a third-party compressed SQL Server backup, not native MTF"],
  ["PK\u0003\u0004", "a ZIP archive"],
  ["\u001f\u008b", "a gzip file"],
  ["7z\u00bc\u00af", "a 7-Zip archive"],
];

/** XOR of the 25 little-endian 16-bit words before the checksum field (MTF §5.1). */
function headerChecksum(b: Buffer): number {
  let x = 0;
  for (let i = 0; i < 50; i += 2) x ^= b.readUInt16LE(i);
  return x;
}

function readTapeString(b: Buffer, addressOffset: number, stringType: number): string | undefined {
  const size = b.readUInt16LE(addressOffset);
  const offset = b.readUInt16LE(addressOffset + 2);
  if (size === 0 || offset + size > b.length) return undefined;
  const raw = b.subarray(offset, offset + size);
  const text = stringType === 2 ? raw.toString("utf16le") : raw.toString("latin1");
  return text.replace(/\0+$/, "");
}

/** The 16 bytes at RAID + 22 of SQL Server's RAID descriptor (searched in the first 1 KiB), as hex. */
function readMediaSetId(b: Buffer): string | undefined {
  const at = b.subarray(0, Math.min(b.length, 1024)).indexOf("RAID", TAPE_FIELDS_END, "latin1");
  if (at < 0 || at + 38 > b.length) return undefined;
  return b.subarray(at + 22, at + 38).toString("hex");
}

/** Checks whether `head` (the first bytes of a decrypted object) looks like a SQL Server backup. */
export function checkBackupHeader(head: Uint8Array): BackupHeaderCheck {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const magic = b.subarray(0, 4).toString("latin1");
  /* Precondition: a SQL Server backup starts with the MTF TAPE descriptor block. */
  if (magic !== "TAPE") {
    const other = OTHER_MAGICS.find(([m]) => b.subarray(0, m.length).toString("latin1") === m);
    const found = other
      ? `it starts like ${other[1]}`
      : `it starts with bytes ${b.subarray(0, 4).toString("hex") || "(none)"}`;
    return { looksLikeBackup: false, reason: `no MTF "TAPE" block at offset 0: ${found}` };
  }
  /* Precondition: the TAPE block is complete. */
  if (b.length < TAPE_FIELDS_END) {
    return {
      looksLikeBackup: false,
      reason: `only ${b.length} bytes; the TAPE block needs ${TAPE_FIELDS_END}`,
    };
  }
  const checksumValid = headerChecksum(b) === b.readUInt16LE(50);
  const stringType = b.readUInt8(48);
  const softwareVendorId = b.readUInt16LE(86);
  const formatLogicalBlockSize = b.readUInt16LE(84);
  const mtfMajorVersion = b.readUInt8(93);
  const softwareName = readTapeString(b, 80, stringType);
  const mediaSetId = readMediaSetId(b);
  const details = {
    checksumValid,
    softwareVendorId,
    formatLogicalBlockSize,
    mtfMajorVersion,
    mediaFamilyId: b.readUInt32LE(52),
    mediaSequenceNumber: b.readUInt16LE(60),
    ...(softwareName === undefined ? {} : { softwareName }),
    ...(mediaSetId === undefined ? {} : { mediaSetId }),
  };
  /* Precondition: the TAPE block's header checksum is valid. */
  if (!checksumValid) {
    return { looksLikeBackup: false, reason: "TAPE block header checksum does not match", ...details };
  }
  /* Precondition: the TAPE block was written by Microsoft SQL Server (vendor id 0x1200). */
  if (softwareVendorId !== SQL_SERVER_VENDOR_ID) {
    return {
      looksLikeBackup: false,
      reason: `MTF media from software vendor 0x${softwareVendorId.toString(16)}, not Microsoft SQL Server (0x1200)`,
      ...details,
    };
  }
  return {
    looksLikeBackup: true,
    reason: `MTF TAPE block written by ${softwareName ? `"${softwareName}"` : "Microsoft SQL Server"}, checksum valid`,
    ...details,
  };
}
