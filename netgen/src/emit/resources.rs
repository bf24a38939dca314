//! `resources.rs`: one marker type per resource, tied to its provider's level.

use std::fmt::Write;

use quote::quote;

use super::text::{fits, string_literal};
use super::{all, write_docs, Chunk, Emitted};
use crate::ir::{Ir, Resource};

pub fn emit(ir: &Ir) -> Emitted {
    let header = Chunk::Rust(quote! {
        #![doc = " Resources: what one initcall provides and others require."]
        #![doc = ""]
        #![doc = " Each is an uninhabited marker type whose `Resource::ProvidedAt` is the level"]
        #![doc = " of its provider. Name them in `requires = [..]` of an attribute macro."]

        use ::netgen_runtime::init::Resource;

        use super::levels;
    });
    let resources = all(ir.resources.iter().map(|r| resource(r).map_err(|e| vec![e])))?;
    Ok(vec![header, Chunk::Text(resources.concat()), Chunk::Text(provide_macro(ir))])
}

/// A resource's marker type and `Resource` impl, as prettyplease lays them
/// out. Nothing in them breaks but the impl's header, which prettyplease
/// splits before `for` when it does not fit.
fn resource(r: &Resource) -> Result<String, super::EmitError> {
    let extra = format!("Provided by `{}` at level `{}`.", r.provider, r.level);
    let mut out = String::with_capacity(384);
    write_docs(&mut out, &r.docs, &r.origin, &extra)?;
    let name = &r.name;
    let header = format!("impl Resource for {name} {{");
    let header = if fits(0, header.len()) { header } else { format!("impl Resource\nfor {name} {{") };
    // Not recommended: "`X` is not a resource" lists no resources, so it
    // reads the same whatever resources the spec has.
    let _ = write!(
        out,
        "pub enum {name} {{}}\n\
         #[diagnostic::do_not_recommend]\n\
         {header}\n    \
             type ProvidedAt = levels::{level};\n    \
             const NAME: &'static str = {name_lit};\n    \
             const PROVIDER: &'static str = {provider};\n\
         }}\n",
        level = r.level,
        name_lit = string_literal(name),
        provider = string_literal(&r.provider),
    );
    Ok(out)
}

/// `__netgen_provide!` is what `provides = [X]` in an attribute macro expands
/// to: a spec resource is refused with a message naming its provider; any
/// other type becomes a resource of the attribute's level (the refusal still
/// names `$res`, so the user's import of it counts as used). Written as
/// text: prettyplease does not lay out macro bodies.
fn provide_macro(ir: &Ir) -> String {
    let mut out = String::from("#[doc(hidden)]\n#[macro_export]\nmacro_rules! __netgen_provide {\n");
    for r in &ir.resources {
        let _ = write!(
            out,
            "    ({name}; $res:path; $level:path; $name:literal; $provider:literal) => {{\n        \
                 ::core::compile_error!(::core::concat!(\n            \
                     {msg},\n            \
                     $provider,\n            \
                     \"`: a resource has exactly one provider\"\n        \
                 ));\n        \
                 const _: ::core::marker::PhantomData<$res> = ::core::marker::PhantomData;\n    \
             }};\n",
            name = r.name,
            msg = string_literal(&format!(
                "`{}` is provided by `{}` at level `{}` in spec/ and cannot be provided again by `",
                r.name, r.provider, r.level
            )),
        );
    }
    out.push_str(
        "    ($last:ident; $res:path; $level:path; $name:literal; $provider:literal) => {\n        \
             #[diagnostic::do_not_recommend]\n        \
             impl ::netgen_generated::__private::Resource for $res {\n            \
                 type ProvidedAt = $level;\n            \
                 const NAME: &'static str = $name;\n            \
                 const PROVIDER: &'static str = $provider;\n        \
             }\n    \
         };\n}\n",
    );
    out
}
