/**
 * zod for code that ends up in a Lambda bundle: zod/mini with the English messages configured.
 *
 * zod "classic" (`import * as z from 'zod'`) installs its methods on every schema instance it
 * builds, which made a handler's schemas a large share of module init (CPU time of `require`,
 * minified bundle: classic plus shared/schemas.ts 92 KB and 44 ms; zod/mini plus one object
 * schema 13 KB and 4 ms). zod/mini builds the same checks through functions
 * (https://zod.dev/packages/mini, "zod/mini"), but installs no error locale by default
 * (https://zod.dev/error-customization, "Internationalization"): without `en()` every message
 * would be "Invalid input", and the API's 400s and the FAILED job records name the problem with
 * these messages. Classic installs the same `en()` only when no locale is set, so code outside
 * handlers/ that still uses classic zod gets the same messages.
 *
 * Handlers import zod only through this module, so the locale is configured before any parse.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
