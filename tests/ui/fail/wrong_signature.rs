use netgen_generated::prelude::*;

#[core_initcall]
fn no_kernel() -> InitResult {
    Ok(())
}

#[core_initcall]
fn returns_nothing(_k: &mut Kernel) {}

#[core_initcall]
async fn asynchronous(_k: &mut Kernel) -> InitResult {
    Ok(())
}

#[core_initcall]
fn shared_kernel(_k: &Kernel) -> InitResult {
    Ok(())
}

#[core_initcall]
fn returns_int(_k: &mut Kernel) -> i32 {
    0
}

#[core_initcall]
struct NotAFunction;

fn main() {}
