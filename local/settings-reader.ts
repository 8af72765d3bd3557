/**
 * Reads MediaConvert settings while remembering which keys were used, so the local
 * transcoder can report every setting it did not honour instead of dropping it silently.
 */

/**
 * Values for which MediaConvert's behaviour is what ffmpeg does anyway (progressive scan,
 * CABAC, follow-the-source colour, ...). A key left unread with one of these values is
 * honoured by default and not reported.
 */
const EQUIVALENT_DEFAULTS: Readonly<Record<string, readonly unknown[]>> = {
  // Input
  DeblockFilter: ['DISABLED'],
  DenoiseFilter: ['DISABLED'],
  FilterEnable: ['AUTO'],
  PsiControl: ['USE_PSI'],
  TimecodeSource: ['ZEROBASED', 'EMBEDDED', 'SPECIFIEDSTART'],
  ColorSpace: ['FOLLOW'],
  ColorSpaceUsage: ['FALLBACK'],
  PadVideo: ['DISABLED'],
  InputScanType: ['AUTO'],
  // VideoDescription
  AfdSignaling: ['NONE'],
  AntiAlias: ['ENABLED'],
  ColorMetadata: ['INSERT'],
  DropFrameTimecode: ['ENABLED', 'DISABLED'],
  RespondToAfd: ['NONE'],
  TimecodeInsertion: ['DISABLED'],
  // H264Settings
  InterlaceMode: ['PROGRESSIVE'],
  ParControl: ['INITIALIZE_FROM_SOURCE'],
  Syntax: ['DEFAULT'],
  EntropyEncoding: ['CABAC'],
  FieldEncoding: ['PAFF'],
  Slices: [1],
  SlowPal: ['DISABLED'],
  Telecine: ['NONE'],
  UnregisteredSeiTimecode: ['DISABLED'],
  RepeatPps: ['DISABLED'],
  EndOfStreamMarkers: ['INCLUDE'],
  ScanTypeConversionMode: ['INTERLACED'],
  WriteMp4PackagingType: ['AVC1'],
  // AudioDescription / AacSettings
  AudioTypeControl: ['FOLLOW_INPUT'],
  LanguageCodeControl: ['FOLLOW_INPUT'],
  AudioSourceName: ['Audio Selector 1'],
  RawFormat: ['NONE'],
  Specification: ['MPEG4'],
  AudioDescriptionBroadcasterMix: ['NORMAL'],
  // Mp4Settings
  CslgAtom: ['INCLUDE', 'EXCLUDE'],
  FreeSpaceBox: ['EXCLUDE'],
  // HlsGroupSettings
  MinSegmentLength: [0],
  DirectoryStructure: ['SINGLE_DIRECTORY'],
  OutputSelection: ['MANIFESTS_AND_SEGMENTS'],
  CodecSpecification: ['RFC_4281'],
  ProgramDateTime: ['EXCLUDE'],
  ClientCache: ['ENABLED'],
  StreamInfResolution: ['INCLUDE'],
  ManifestCompression: ['NONE'],
  CaptionLanguageSetting: ['OMIT'],
  TimedMetadataId3Frame: ['NONE'],
  SegmentLengthControl: ['EXACT', 'GOP_MULTIPLE'],
  AudioOnlyHeader: ['INCLUDE'],
  ProgressiveWriteHlsManifest: ['DISABLED'],
  TargetDurationCompatibilityMode: ['LEGACY'],
  // HlsSettings
  IFrameOnlyManifest: ['EXCLUDE'],
  AudioTrackType: ['ALTERNATE_AUDIO_AUTO_SELECT_DEFAULT'],
  // TimecodeConfig
  Source: ['ZEROBASED', 'EMBEDDED', 'SPECIFIEDSTART'],
};

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export class SettingsReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly value: Record<string, unknown> | undefined,
    readonly path: string,
    private readonly warnings: string[],
  ) {}

  get present(): boolean {
    return this.value !== undefined;
  }

  str(key: string): string | undefined {
    const v = this.take(key);
    return typeof v === 'string' ? v : undefined;
  }

  num(key: string): number | undefined {
    const v = this.take(key);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  numList(key: string): number[] | undefined {
    const v = this.take(key);
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : undefined;
  }

  strList(key: string): string[] | undefined {
    const v = this.take(key);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  }

  section(key: string): SettingsReader {
    const v = this.take(key);
    return new SettingsReader(isRecord(v) ? v : undefined, `${this.path}.${key}`, this.warnings);
  }

  list(key: string): SettingsReader[] {
    const v = this.take(key);
    if (!Array.isArray(v)) return [];
    return v.map((item, i) => new SettingsReader(isRecord(item) ? item : undefined, `${this.path}.${key}[${i}]`, this.warnings));
  }

  /** Entries of a map-valued key (e.g. AudioSelectors), each as a reader. */
  entries(key: string): Array<[string, SettingsReader]> {
    const v = this.take(key);
    if (!isRecord(v)) return [];
    return Object.entries(v).map(([k, item]) => [
      k,
      new SettingsReader(isRecord(item) ? item : undefined, `${this.path}.${key}["${k}"]`, this.warnings),
    ]);
  }

  /** A key that is read but whose value the transcoder cannot apply: reported with its value. */
  unsupported(key: string, why: string): void {
    const v = this.take(key);
    if (v !== undefined) this.warnings.push(`${this.path}.${key}=${JSON.stringify(v)} not honoured: ${why}`);
  }

  /** A free-form warning about this part of the settings. */
  warn(message: string): void {
    this.warnings.push(`${this.path}.${message}`);
  }

  /** Reports every key not read whose value is not equivalent to what ffmpeg does by default. */
  finish(): void {
    if (!this.value) return;
    for (const [key, v] of Object.entries(this.value)) {
      if (this.used.has(key) || v === undefined) continue;
      // An empty object or list sets nothing.
      if (typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue;
      if (EQUIVALENT_DEFAULTS[key]?.includes(v)) continue;
      this.warnings.push(`${this.path}.${key}=${truncate(JSON.stringify(v))} not honoured by the local transcoder`);
    }
  }

  private take(key: string): unknown {
    this.used.add(key);
    return this.value?.[key];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
