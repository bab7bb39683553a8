/**
 * The committed schema migrations, oldest first. A new migration is a new
 * file here plus a line in this list; released migrations never change.
 *
 * @module
 */
import { Migration20261125Initial } from "./migration_20261125_initial.ts";
import { Migration20261201HashedVersion } from "./migration_20261201_hashed_version.ts";
import { Migration20261202FinishedAtGeoreference } from "./migration_20261202_finished_at_georeference.ts";

/** Every migration, in the order they apply. */
export const MIGRATIONS = [
  { name: "Migration20261125Initial", class: Migration20261125Initial },
  { name: "Migration20261201HashedVersion", class: Migration20261201HashedVersion },
  { name: "Migration20261202FinishedAtGeoreference", class: Migration20261202FinishedAtGeoreference },
];
