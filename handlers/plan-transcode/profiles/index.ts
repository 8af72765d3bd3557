import { UnknownProfile } from '../../shared/errors';
import { DEFAULT_QUALITY_THRESHOLDS, withQualityOverrides, type QualityThresholds } from '../../shared/quality-thresholds';
import { autoAbr } from './auto-abr';
import { premium } from './premium';
import { social } from './social';
import { standard } from './standard';
import type { EncodingProfile } from './types';

export type { EncodingProfile } from './types';

/** Every shipped profile by name. Adding one: a file beside this one and an entry here (docs/profiles.md). */
export const PROFILES: Readonly<Record<string, EncodingProfile>> = Object.fromEntries(
  [standard, premium, social, autoAbr].map((p) => [p.name, p]),
);

export const PROFILE_NAMES: readonly string[] = Object.keys(PROFILES);

/** The profile a job gets when nobody chose one (the `default_profile` variable's default). */
export const DEFAULT_PROFILE = standard.name;

/** The floors quality control applies to a job of this profile: the defaults with the profile's overrides. */
export function profileQualityThresholds(profile: EncodingProfile): QualityThresholds {
  return withQualityOverrides(DEFAULT_QUALITY_THRESHOLDS, profile.quality);
}

/** The named profile; UnknownProfile (naming the shipped ones) for any other name. */
export function getProfile(name: string): EncodingProfile {
  const profile = Object.hasOwn(PROFILES, name) ? PROFILES[name] : undefined;
  if (profile === undefined) {
    throw new UnknownProfile(`Unknown profile "${name}"; shipped profiles: ${PROFILE_NAMES.join(', ')}`, {
      context: { profile: name, profiles: PROFILE_NAMES },
    });
  }
  return profile;
}
