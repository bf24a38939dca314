use netgen_generated::prelude::*;

// A type that does not exist.
#[core_initcall(requires = [SockRegistri])]
fn typo(_k: &mut Kernel) -> InitResult {
    Ok(())
}

// A type that exists but no initcall provides.
pub struct NotAResource;

#[core_initcall(requires = [NotAResource])]
fn not_provided(_k: &mut Kernel) -> InitResult {
    Ok(())
}

fn main() {}
