import { InvalidSourceKey, MalformedEvent } from '../../handlers/shared/errors';
import { decodeEventKey, extensionOf, keyCandidates, validateSourceKey } from '../../handlers/shared/s3-key';

const rules = { allowedExtensions: ['mp4', 'mov', 'mkv'], prefix: '' };

describe('decodeEventKey', () => {
  it.each([
    ['my+clip%C3%A9.MOV', 'my clipé.MOV'],
    ['a%2Bb.mp4', 'a+b.mp4'],
    ['uploads/plain.mp4', 'uploads/plain.mp4'],
    ['100%25+done.mp4', '100% done.mp4'],
  ])('form-decodes %s to %s', (raw, expected) => {
    // Act
    const decoded = decodeEventKey(raw);
    // Assess
    expect(decoded).toBe(expected);
  });

  it('rejects malformed percent sequences as MalformedEvent', () => {
    // Act
    const act = () => decodeEventKey('bad%E0%A4%A.mp4');
    // Assess
    expect(act).toThrow(MalformedEvent);
  });
});

describe('keyCandidates', () => {
  it('lists the decoded key first, then the raw one', () => {
    // Act
    const candidates = keyCandidates('a+b.mp4');
    // Assess
    expect(candidates).toEqual(['a b.mp4', 'a+b.mp4']);
  });

  it('returns one candidate when decoding changes nothing', () => {
    // Act + Assess
    expect(keyCandidates('uploads/clip.mp4')).toEqual(['uploads/clip.mp4']);
  });

  it('keeps a raw key that is not valid form encoding as the only candidate', () => {
    // Act + Assess
    expect(keyCandidates('100%.mp4')).toEqual(['100%.mp4']);
  });
});

describe('extensionOf', () => {
  it.each([
    ['a/b/clip.MOV', 'mov'],
    ['clip.tar.mp4', 'mp4'],
    ['dir.v2/noext', ''],
    ['.mp4', ''],
  ])('%s -> "%s"', (key, ext) => {
    expect(extensionOf(key)).toBe(ext);
  });
});

describe('validateSourceKey', () => {
  it('accepts an allowed extension in any case', () => {
    // Act + Assess
    expect(() => validateSourceKey('uploads/Holiday CLIP.MOV', rules)).not.toThrow();
  });

  it.each([
    ['empty', '', 'the key is empty'],
    ['too long', 'a'.repeat(1021) + '.mp4', 'the key is 1025 bytes long (UTF-8), the limit is 1024'],
    ['too long in UTF-8 bytes', 'é'.repeat(511) + '.mp4', 'the key is 1026 bytes long (UTF-8), the limit is 1024'],
    ['leading slash', '/uploads/clip.mp4', 'the key starts with "/"'],
    ['dot-dot segment', 'uploads/../secret.mp4', 'the key contains a ".." path segment'],
    ['control character', 'uploads/cl\u0007ip.mp4', 'the key contains control characters'],
    ['C1 control (NEL)', 'uploads/cl\u0085ip.mp4', 'the key contains U+0085 (a C1 control, line/paragraph separator or bidirectional control)'],
    ['line separator', 'uploads/cl\u2028ip.mp4', 'the key contains U+2028 (a C1 control, line/paragraph separator or bidirectional control)'],
    ['paragraph separator', 'uploads/cl\u2029ip.mp4', 'the key contains U+2029 (a C1 control, line/paragraph separator or bidirectional control)'],
    ['right-to-left override (Trojan Source)', 'uploads/clip\u202egpj.mp4', 'the key contains U+202E (a C1 control, line/paragraph separator or bidirectional control)'],
    ['bidi isolate', 'uploads/\u2067clip.mp4', 'the key contains U+2067 (a C1 control, line/paragraph separator or bidirectional control)'],
    ['wrong extension', 'uploads/clip.txt', 'extension "txt" is not allowed; allowed: mp4, mov, mkv'],
    ['no extension', 'uploads/clip', 'the key has no extension; allowed: mp4, mov, mkv'],
  ])('rejects a key with %s', (_label, key, reason) => {
    // Act
    const act = () => validateSourceKey(key, rules);
    // Assess
    expect(act).toThrow(InvalidSourceKey);
    expect(act).toThrow(`Invalid source key: ${reason}`);
  });

  it('rejects keys outside the prefix', () => {
    // Act
    const act = () => validateSourceKey('other/clip.mp4', { ...rules, prefix: 'uploads/' });
    // Assess
    expect(act).toThrow('Invalid source key: the key is outside the prefix "uploads/"');
  });

  it('accepts ordinary non-ASCII names (accents, CJK, Arabic, emoji)', () => {
    for (const key of ['uploads/été.mp4', 'uploads/動画.mp4', 'uploads/فيديو.mp4', 'uploads/🎬 take 1.mp4']) {
      expect(() => validateSourceKey(key, rules)).not.toThrow();
    }
  });

  it('allows ".." inside a file name (only whole segments are traversal)', () => {
    expect(() => validateSourceKey('uploads/take..2.mp4', rules)).not.toThrow();
  });
});
