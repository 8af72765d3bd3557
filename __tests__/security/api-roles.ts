/**
 * The reader, writer and admin identity policies docs/api.md gives operators for AWS_IAM mode,
 * read from the document itself (the JSON block after each `<!-- iam-policy: <role> -->`), so
 * the simulation checks exactly what the docs tell people to deploy.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const API_ROLES = ['reader', 'writer', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

const DOC = path.join(__dirname, '../../docs/api.md');

/** The role's policy with `<region>`, `<account-id>` and `<api-id>` filled in. */
export function apiRolePolicy(role: ApiRole, values: { region: string; accountId: string; apiId: string }): unknown {
  const text = readFileSync(DOC, 'utf8');
  const match = new RegExp(`<!-- iam-policy: ${role} -->\\s*\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
  if (!match) throw new Error(`docs/api.md has no "<!-- iam-policy: ${role} -->" JSON block`);
  const filled = match[1].replaceAll('<region>', values.region).replaceAll('<account-id>', values.accountId).replaceAll('<api-id>', values.apiId);
  if (/<[a-z-]+>/.test(filled)) throw new Error(`docs/api.md ${role} policy has a placeholder the simulation does not fill: ${/<[a-z-]+>/.exec(filled)![0]}`);
  return JSON.parse(filled);
}
