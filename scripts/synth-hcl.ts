/**
 * `npm run synth:hcl [-- --output <dir>]`: reviewable HCL (cdk.tf) for every stack, fmt-clean.
 *
 * What `cdktf synth --hcl` does, without the CLI: the CLI only runs the app with
 * SYNTH_HCL_OUTPUT=true, CDKTF_OUTDIR and CDKTF_CONTEXT_JSON (cdktf.json context) set; its own
 * start-up adds 2-4 s here. Offline and without AWS credentials: nothing here calls AWS or a
 * registry (cdktf.json has no terraformProviders; `terraform fmt` needs no providers).
 *
 * cdktf 0.21's HCL renderer (cdktf/lib/hcl/render.js) is lossy, so its output is repaired here:
 * 1. strings holding an interpolation are written without escaping, so every JSON policy with a
 *    `${aws_s3_bucket.source.arn}` in it is invalid HCL; they are re-escaped outside `${...}`.
 * 2. variable attributes whose value is falsy are dropped (`default = ""`, `default = 0`,
 *    `nullable = false`): notification_email would silently become a required variable. They are
 *    put back from the JSON synth of the same app (cdk.tf.json is the source of truth).
 * 3. `depends_on` items stay quoted strings, as in JSON; HCL wants bare references.
 * 4. `terraform.required_version` (a string override on the terraform block) comes out as
 *    `0 = "required_version"` with the value lost, which terraform fmt rejects; it is written
 *    back from the JSON (stacks/lib/terraform-settings.ts sets it).
 * Then `terraform fmt` formats it (the renderer writes no indentation at all) and blank lines are
 * tidied (one between top-level blocks).
 *
 * The JSON (cdktf.out/) stays what `npm run synth` writes: this script never touches it and
 * synthesizes its own JSON copy in a temporary folder.
 */
import { PROJECT_ROOT } from '../stacks/lib/bundle';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root (this file lives in scripts/). */
export const DEFAULT_HCL_OUTDIR = 'cdktf.out.hcl';

/** Index of the `}` closing an interpolation or directive whose body starts at `start`. */
function endOfTemplateSequence(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = endOfQuotedString(text, i + 1);
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`Unterminated interpolation in: ${text}`);
}

/** Index of the `"` closing an HCL quoted string (inside an expression) whose body starts at `start`. */
function endOfQuotedString(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
    } else if ((c === '$' || c === '%') && text[i + 1] === '{' && text[i - 1] !== c) {
      i = endOfTemplateSequence(text, i + 2);
    } else if (c === '"') {
      return i;
    }
  }
  throw new Error(`Unterminated string in expression: ${text}`);
}

/**
 * A Terraform template (a string as it appears in Terraform JSON) as the body of an HCL quoted
 * string: literal text is escaped, `${...}` and `%{...}` sequences are kept verbatim (their
 * quotes are expression syntax), `$${` / `%%{` literal escapes stay as they are.
 */
export function escapeTemplate(template: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const next = template[i + 1];
    if ((c === '$' || c === '%') && next === c && template[i + 2] === '{') {
      out += template.slice(i, i + 3);
      i += 2;
    } else if ((c === '$' || c === '%') && next === '{') {
      const end = endOfTemplateSequence(template, i + 2);
      out += template.slice(i, end + 1);
      i = end;
    } else if (c === '"') {
      out += '\\"';
    } else if (c === '\\') {
      out += '\\\\';
    } else if (c === '\n') {
      out += '\\n';
    } else if (c === '\r') {
      out += '\\r';
    } else if (c === '\t') {
      out += '\\t';
    } else {
      out += c;
    }
  }
  return out;
}

// `name = "…"`, `"quoted key" = "…"` or a list element `"…",`: cdktf writes one value per line.
const STRING_LINE = /^(\s*)((?:[A-Za-z_][\w-]*|"(?:[^"\\]|\\.)*")\s*=\s*)?"(.*)"(,?)\s*$/;
const HEREDOC_START = /<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * Re-escapes the single-line strings cdktf wrote. cdktf writes a string holding `${` verbatim
 * (unescaped) and any other string with only its quotes escaped (not its backslashes), so the
 * original text is recovered first, then escaped once, correctly. Heredoc bodies are left alone:
 * a heredoc template needs no escaping.
 */
export function repairStringLines(hcl: string): string {
  const lines = hcl.split('\n');
  let heredocEnd: string | undefined;
  return lines
    .map((line) => {
      if (heredocEnd !== undefined) {
        if (line.trim() === heredocEnd) heredocEnd = undefined;
        return line;
      }
      const heredoc = HEREDOC_START.exec(line);
      if (heredoc) {
        heredocEnd = heredoc[1];
        return line;
      }
      const match = STRING_LINE.exec(line);
      if (!match) return line;
      const [, indent, key = '', body, comma] = match;
      const original = body.includes('${') ? body : body.replace(/\\"/g, '"');
      return `${indent}${key}"${escapeTemplate(original)}"${comma}`;
    })
    .join('\n');
}

/**
 * Blank lines as a person would write them: one between top-level blocks, none in runs or right
 * before a closing brace (the renderer leaves both behind; `terraform fmt` keeps blank lines).
 * Heredoc bodies are kept byte for byte.
 */
export function tidyBlankLines(hcl: string): string {
  const out: string[] = [];
  let heredocEnd: string | undefined;
  for (const line of hcl.split('\n')) {
    if (heredocEnd !== undefined) {
      // A heredoc body is a string value: its blank lines are data.
      if (line.trim() === heredocEnd) heredocEnd = undefined;
      out.push(line);
      continue;
    }
    heredocEnd = HEREDOC_START.exec(line)?.[1];
    const blank = line.trim() === '';
    const previous = out[out.length - 1];
    if (blank && (previous === undefined || previous.trim() === '')) continue;
    if (!blank && line.trim() === '}' && previous !== undefined && previous.trim() === '') out.pop();
    if (!blank && previous === '}' && !/^\s/.test(line)) out.push('');
    out.push(line);
  }
  while (out.length && out[out.length - 1].trim() === '') out.pop();
  return `${out.join('\n')}\n`;
}

// Meta-arguments whose list items are references, which Terraform JSON spells as strings.
const REFERENCE_LISTS = /^\s*(depends_on|ignore_changes|replace_triggered_by)\s*=\s*\[\s*$/;
const QUOTED_REFERENCE = /^(\s*)"((?:data\.|module\.)?[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)"(,?)\s*$/;

/**
 * `depends_on = ["aws_iam_role_policy.publish_function"]` is right in Terraform JSON but a
 * deprecated quoted reference in HCL: write the references bare.
 */
export function unquoteReferences(hcl: string): string {
  let inList = false;
  return hcl
    .split('\n')
    .map((line) => {
      if (REFERENCE_LISTS.test(line)) {
        inList = true;
        return line;
      }
      if (inList && /^\s*\]\s*$/.test(line)) {
        inList = false;
        return line;
      }
      return inList ? line.replace(QUOTED_REFERENCE, '$1$2$3') : line;
    })
    .join('\n');
}

/** Variable attributes cdktf's renderer drops when their value is falsy. */
const FALSY_DROPPED = ['default', 'sensitive', 'nullable'] as const;

type TerraformJson = {
  terraform?: { required_version?: unknown };
  variable?: Record<string, Record<string, unknown>>;
};

/** Puts back `default = ""`, `default = 0`, `default = false`, `nullable = false`, `sensitive = false`. */
export function restoreVariableAttributes(hcl: string, json: TerraformJson): string {
  let out = hcl;
  for (const [name, config] of Object.entries(json.variable ?? {})) {
    const header = `variable "${name}" {\n`;
    const at = out.indexOf(header);
    if (at < 0) throw new Error(`variable "${name}" of cdk.tf.json is missing from the HCL`);
    const restored = FALSY_DROPPED.filter((attr) => attr in config && config[attr] !== null && config[attr] !== undefined && !config[attr])
      .map((attr) => `${attr} = ${JSON.stringify(config[attr])}\n`)
      .join('');
    const insertAt = at + header.length;
    out = out.slice(0, insertAt) + restored + out.slice(insertAt);
  }
  return out;
}

/**
 * Repair 4: the renderer turns `"required_version": ">= 1.10"` of the terraform block into a
 * bogus `0 = "required_version"` line; put the real attribute (from cdk.tf.json) first in the block.
 */
export function restoreRequiredVersion(hcl: string, json: TerraformJson): string {
  const version = json.terraform?.required_version;
  const withoutBogus = hcl.replace(/^[ \t]*\d+ = "required_version"\n/m, '');
  if (typeof version !== 'string') return withoutBogus;
  if (/^\s*required_version\s*=/m.test(withoutBogus)) return withoutBogus;
  const header = /^terraform \{\n/m.exec(withoutBogus);
  if (!header) throw new Error('restoreRequiredVersion: no terraform block in the HCL');
  const insertAt = header.index + header[0].length;
  return `${withoutBogus.slice(0, insertAt)}required_version = ${JSON.stringify(version)}\n${withoutBogus.slice(insertAt)}`;
}

/** The stack folder names (<outDir>/stacks/<stack>) of a synth output directory. */
export function stackNames(outDir: string): string[] {
  const stacksDir = join(outDir, 'stacks');
  return readdirSync(stacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Environment for terraform: no checkpoint calls, and a CLI config that exists. */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  // A TF_CLI_CONFIG_FILE that does not exist makes every terraform command print a warning.
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) env.TF_CLI_CONFIG_FILE = '/dev/null';
  return env;
}

function terraformFmt(dir: string): void {
  const fmt = spawnSync('terraform', ['fmt', '-recursive', '-list=false', dir], { env: terraformEnv(), encoding: 'utf8' });
  if (fmt.error) throw new Error(`terraform fmt could not run (is Terraform installed?): ${fmt.error.message}`);
  if (fmt.status !== 0) throw new Error(`terraform fmt rejected the synthesized HCL:\n${fmt.stderr}`);
}

/** Runs the cdktf app (cdktf.json "app") once, into `outDir`, as JSON or HCL. */
function runApp(outDir: string, hcl: boolean): Promise<void> {
  const cdktfJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdktf.json'), 'utf8')) as { app: string; context?: Record<string, unknown> };
  const inheritedContext = process.env.CDKTF_CONTEXT_JSON ? (JSON.parse(process.env.CDKTF_CONTEXT_JSON) as Record<string, unknown>) : {};
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    CDKTF_OUTDIR: outDir,
    SYNTH_HCL_OUTPUT: String(hcl),
    // What the cdktf CLI passes: the context of cdktf.json (stateBucket, stateRegion, ...).
    CDKTF_CONTEXT_JSON: JSON.stringify({ ...(cdktfJson.context ?? {}), ...inheritedContext }),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cdktfJson.app, { cwd: PROJECT_ROOT, env, shell: true, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`"${cdktfJson.app}" (${hcl ? 'HCL' : 'JSON'} synth) exited with ${code}:\n${stderr}`));
    });
  });
}

export interface SynthHclResult {
  /** Absolute path of the HCL output (stacks/<stack>/cdk.tf). */
  readonly outDir: string;
  readonly stacks: string[];
  readonly milliseconds: number;
}

/** The output folder is emptied first: refuse anything that is not a previous synth output. */
function assertReplaceable(dir: string): void {
  if (PROJECT_ROOT.startsWith(dir) || dir === resolve(PROJECT_ROOT, 'cdktf.out')) {
    throw new Error(`Refusing to write HCL into ${dir}: choose a folder of its own (default ${DEFAULT_HCL_OUTDIR}).`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`Refusing to empty ${dir}: it is not a cdktf synth output (no manifest.json).`);
  }
}

export interface SynthHclOptions {
  /** Where the HCL goes (emptied first), relative to the repository root. @default cdktf.out.hcl */
  readonly outDir?: string;
  /** Keep the JSON synth of the same run here (tests compare both). @default a temporary folder, removed */
  readonly jsonOutDir?: string;
}

/** Synthesizes, repairs and formats the HCL of every stack into `outDir`. */
export async function synthHcl(options: SynthHclOptions = {}): Promise<SynthHclResult> {
  const started = Date.now();
  const hclDir = resolve(PROJECT_ROOT, options.outDir ?? DEFAULT_HCL_OUTDIR);
  const jsonDir = options.jsonOutDir ? resolve(PROJECT_ROOT, options.jsonOutDir) : mkdtempSync(join(tmpdir(), 'synth-hcl-json-'));
  try {
    assertReplaceable(hclDir);
    rmSync(hclDir, { recursive: true, force: true });
    await Promise.all([runApp(hclDir, true), runApp(jsonDir, false)]);
    const stacks = stackNames(hclDir);
    for (const stack of stacks) {
      const hclPath = join(hclDir, 'stacks', stack, 'cdk.tf');
      const json = JSON.parse(readFileSync(join(jsonDir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as TerraformJson;
      writeFileSync(hclPath, restoreRequiredVersion(restoreVariableAttributes(unquoteReferences(repairStringLines(readFileSync(hclPath, 'utf8'))), json), json));
    }
    // Indent first (the renderer writes every line at column 0, so top-level blocks are only
    // recognisable afterwards), then fix blank lines, then format again: blank lines delimit
    // fmt's alignment groups.
    terraformFmt(hclDir);
    for (const stack of stacks) {
      const hclPath = join(hclDir, 'stacks', stack, 'cdk.tf');
      writeFileSync(hclPath, tidyBlankLines(readFileSync(hclPath, 'utf8')));
    }
    terraformFmt(hclDir);
    return { outDir: hclDir, stacks, milliseconds: Date.now() - started };
  } finally {
    if (!options.jsonOutDir) rmSync(jsonDir, { recursive: true, force: true });
  }
}

function parseOutputArg(argv: readonly string[]): string {
  const at = argv.findIndex((arg) => arg === '--output' || arg === '-o');
  if (at >= 0) {
    const value = argv[at + 1];
    if (!value) throw new Error('--output needs a directory');
    return value;
  }
  return DEFAULT_HCL_OUTDIR;
}

if (require.main === module) {
  synthHcl({ outDir: parseOutputArg(process.argv.slice(2)) })
    .then(({ outDir, stacks, milliseconds }) => {
      console.log(`synth:hcl: ${stacks.length} stacks (${stacks.join(', ')}) in ${outDir}/stacks/<stack>/cdk.tf, fmt-clean, ${milliseconds} ms`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
