ALTER TABLE "contact_imports" ADD COLUMN "bytes_total" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "contact_imports" ADD COLUMN "bytes_done" bigint DEFAULT 0 NOT NULL;