"""HTTP plumbing shared by all blueprints: error shape, PWA shell serving."""
