import { ConfigurationError, ProfileNotAllowed, UnknownProfile } from '../../shared/errors';
import { DEFAULT_PROFILE, PROFILE_NAMES } from './index';

/** Which profiles a deployment offers (the `default_profile` and `allowed_profiles` variables). */
export interface ProfilePolicy {
  readonly defaultProfile: string;
  readonly allowedProfiles: readonly string[];
}

/** Everything shipped, standard by default: what a deployment without the variables gets. */
export const OPEN_PROFILE_POLICY: ProfilePolicy = { defaultProfile: DEFAULT_PROFILE, allowedProfiles: PROFILE_NAMES };

/**
 * DEFAULT_PROFILE and ALLOWED_PROFILES (comma-separated) as the stack sets them; absent means
 * OPEN_PROFILE_POLICY. A name that is not shipped, or a default outside the allowed list, is a
 * ConfigurationError naming the variable (the stack validates the same at plan time).
 */
export function profilePolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ProfilePolicy {
  const defaultProfile = env.DEFAULT_PROFILE?.trim() || OPEN_PROFILE_POLICY.defaultProfile;
  const allowedProfiles = env.ALLOWED_PROFILES?.trim()
    ? env.ALLOWED_PROFILES.split(',').map((p) => p.trim()).filter((p) => p !== '')
    : OPEN_PROFILE_POLICY.allowedProfiles;
  const unknown = [defaultProfile, ...allowedProfiles].filter((p) => !PROFILE_NAMES.includes(p));
  if (unknown.length > 0) {
    const variable = PROFILE_NAMES.includes(defaultProfile) ? 'ALLOWED_PROFILES' : 'DEFAULT_PROFILE';
    throw new ConfigurationError(`Environment variable ${variable} names unknown profiles: ${unknown.join(', ')}`, { context: { variable, unknown } });
  }
  if (!allowedProfiles.includes(defaultProfile)) {
    throw new ConfigurationError(`Environment variable DEFAULT_PROFILE (${defaultProfile}) is not in ALLOWED_PROFILES`, { context: { variable: 'DEFAULT_PROFILE' } });
  }
  return { defaultProfile, allowedProfiles };
}

/**
 * The profile a job runs with: the requested one, else the deployment's default. An unknown
 * name is UnknownProfile, a shipped but not allowed one ProfileNotAllowed; both name the
 * allowed profiles. `field` names where the request came from (`profile`, `x-amz-meta-profile`).
 */
export function chooseProfile(requested: string | undefined, policy: ProfilePolicy, field = 'profile'): string {
  if (requested === undefined || requested === '') return policy.defaultProfile;
  if (!PROFILE_NAMES.includes(requested)) {
    throw new UnknownProfile(`${field}: unknown profile "${requested}"; allowed: ${policy.allowedProfiles.join(', ')}`, {
      context: { field, profile: requested.slice(0, 64), allowed: policy.allowedProfiles },
    });
  }
  if (!policy.allowedProfiles.includes(requested)) {
    throw new ProfileNotAllowed(`${field}: profile "${requested}" is not allowed here; allowed: ${policy.allowedProfiles.join(', ')}`, {
      context: { field, profile: requested, allowed: policy.allowedProfiles },
    });
  }
  return requested;
}
