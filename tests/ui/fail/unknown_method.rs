// Whether a spec `proto` gives a method is a field of a generated set, not a
// string: a misspelt method does not compile (it was `has("destory")`,
// false forever).
use netgen_generated::pernet::Pernet;
use netgen_runtime::tables::ProtoSpec;

fn main() {
    let udp = &<Pernet as ProtoSpec>::PROTOS[1];
    if udp.methods.destory {
        println!("has destroy");
    }
    let ops = &<Pernet as ProtoSpec>::PROTO_OPS[1];
    let _ = ops.methods.accept_four;
}
