//! Volume exports for ParaView (.vti) and Fiji/ImageJ (.tif), issue 8: the files carry
//! the grid's geometry as those programs read it, and every value round-trips bit for
//! bit. The grid is non-cubic (nx = 5, ny = 4, nz = 3) and every voxel holds a value
//! that encodes its own (i, j, k), so an axis mix-up cannot pass.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use oxyfield::grid::Grid;
use oxyfield::output::tiff::{read_tiff, tag, write_tiff};
use oxyfield::output::vti::{read_vti, write_vti};
use std::io::Read;

fn grid() -> Grid {
    Grid::from_shape_zyx([3, 4, 5], 2.5)
}

/// Voxel (i, j, k) holds 100k + 10j + i plus a fraction, so the value names its place.
fn field(g: &Grid, fraction: f32) -> Vec<f32> {
    (0..g.len())
        .map(|idx| {
            let (i, j, k) = g.ijk(idx);
            (100 * k + 10 * j + i) as f32 + fraction
        })
        .collect()
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace().map(|v| v.parse().unwrap()).collect()
}

fn words(bytes: &[u8]) -> Vec<u64> {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Decodes one VTK zlib-compressed base64 array independently of `read_vti`: the
/// UInt64 header `[blocks, block size, last block size, compressed sizes…]` as one
/// base64 run, then the concatenated zlib blocks as another.
fn decode_vtk_zlib(text: &str) -> Vec<f32> {
    let text = text.trim();
    let nblocks = words(&BASE64.decode(&text[..32]).unwrap())[0] as usize;
    let hchars = ((3 + nblocks) * 8).div_ceil(3) * 4;
    let header = words(&BASE64.decode(&text[..hchars]).unwrap());
    let packed = BASE64.decode(&text[hchars..]).unwrap();
    let mut raw = Vec::new();
    let mut at = 0;
    for &c in &header[3..] {
        let c = c as usize;
        flate2::read::ZlibDecoder::new(&packed[at..at + c])
            .read_to_end(&mut raw)
            .unwrap();
        at += c;
    }
    assert_eq!(at, packed.len());
    let full = header[1] as usize * (nblocks - 1);
    let last = if header[2] == 0 { header[1] } else { header[2] } as usize;
    assert_eq!(raw.len(), full + last);
    raw.chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

#[test]
fn vti_has_paraview_geometry_and_round_trips_every_array() {
    let g = grid();
    let o2 = field(&g, 0.25);
    // Negative, tiny, huge and signed-zero values as well as the position code.
    let mut ros = field(&g, -0.5);
    ros[0] = -0.0;
    ros[1] = f32::MIN_POSITIVE;
    ros[2] = 3.0e38;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fields.vti");
    write_vti(&path, &g, &[("o2", &o2, "mmHg"), ("ros & <x>", &ros, "µM")]).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "VTKFile");
    assert_eq!(root.attribute("type"), Some("ImageData"));
    assert_eq!(root.attribute("version"), Some("1.0"));
    assert_eq!(root.attribute("byte_order"), Some("LittleEndian"));
    assert_eq!(root.attribute("header_type"), Some("UInt64"));
    assert_eq!(root.attribute("compressor"), Some("vtkZLibDataCompressor"));

    let image = root
        .children()
        .find(|n| n.has_tag_name("ImageData"))
        .unwrap();
    assert_eq!(
        numbers(image.attribute("WholeExtent").unwrap()),
        [0., 4., 0., 3., 0., 2.]
    );
    assert_eq!(numbers(image.attribute("Spacing").unwrap()), [2.5; 3]);
    // Point (0, 0, 0) is the centre of the first voxel.
    assert_eq!(numbers(image.attribute("Origin").unwrap()), [1.25; 3]);
    let piece = image.children().find(|n| n.has_tag_name("Piece")).unwrap();
    assert_eq!(
        piece.attribute("Extent"),
        image.attribute("WholeExtent"),
        "one piece covers the whole extent"
    );
    let point_data = piece
        .children()
        .find(|n| n.has_tag_name("PointData"))
        .unwrap();
    assert_eq!(point_data.attribute("Scalars"), Some("o2 [mmHg]"));
    let arrays: Vec<_> = point_data
        .children()
        .filter(|n| n.has_tag_name("DataArray"))
        .collect();
    assert_eq!(arrays.len(), 2);
    for (node, (name, want)) in arrays
        .iter()
        .zip([("o2 [mmHg]", &o2), ("ros & <x> [µM]", &ros)])
    {
        assert_eq!(node.attribute("Name"), Some(name));
        assert_eq!(node.attribute("type"), Some("Float32"));
        assert_eq!(node.attribute("format"), Some("binary"));
        let got = decode_vtk_zlib(node.text().unwrap());
        assert_eq!(got.len(), g.len());
        for (a, b) in got.iter().zip(want.iter()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        if name.starts_with("o2") {
            // VTK point order: x fastest, then y, then z; point (i, j, k) holds the
            // value coded 100k + 10j + i.
            for (k, j, i) in [(0, 0, 4), (0, 3, 0), (2, 0, 0), (2, 3, 1), (1, 2, 3)] {
                let code = (100 * k + 10 * j + i) as f32 + 0.25;
                assert_eq!(got[i + 5 * (j + 4 * k)], code, "point ({i}, {j}, {k})");
            }
        }
    }

    // The crate's own reader agrees.
    let (g2, fields) = read_vti(&path).unwrap();
    assert_eq!(g2, g);
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].0, "o2 [mmHg]");
    assert_eq!(fields[1].0, "ros & <x> [µM]");
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&fields[0].1), bits(&o2));
    assert_eq!(bits(&fields[1].1), bits(&ros));
}

#[test]
fn vti_with_a_field_of_the_wrong_size_is_refused() {
    let g = grid();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.vti");
    let short = vec![0.0f32; g.len() - 1];
    let e = write_vti(&path, &g, &[("o2", &short, "mmHg")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("field 'o2' holds 59 values"), "{e}");
    assert!(!path.exists());
}

#[test]
fn tiff_is_an_imagej_calibrated_float_stack_that_round_trips() {
    let g = grid();
    let mut o2 = field(&g, 0.75);
    o2[7] = f32::NAN; // left out of the display range, kept in the data
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o2.tif");
    write_tiff(&path, &g, &o2, "mmHg").unwrap();

    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..4], b"II\x2a\x00");
    let t = read_tiff(&path).unwrap();
    assert_eq!((t.width, t.height), (5, 4));
    assert_eq!(t.pages.len(), 3, "one page per z slice");
    assert_eq!(
        t.description(),
        Some(
            "ImageJ=1.11a\nimages=3\nslices=3\nunit=um\ncf=20\nvunit=mmHg\n\
             spacing=2.5\nloop=false\nmin=0.75\nmax=234.75\n"
        )
    );
    // The description is NUL-terminated, as ImageJ writes and TIFF requires.
    let desc_at = bytes.windows(6).position(|w| w == b"ImageJ").unwrap();
    let desc_end = desc_at + bytes[desc_at..].iter().position(|&b| b == 0).unwrap();
    assert_eq!(bytes[desc_end - 1], b'\n');
    for page in 0..3 {
        assert_eq!(t.number(page, tag::BITS_PER_SAMPLE), Some(32));
        assert_eq!(t.number(page, tag::SAMPLE_FORMAT), Some(3));
        assert_eq!(t.number(page, tag::COMPRESSION), Some(1));
        assert_eq!(t.number(page, tag::PHOTOMETRIC), Some(1));
        assert_eq!(t.number(page, tag::SAMPLES_PER_PIXEL), Some(1));
        assert_eq!(t.number(page, tag::RESOLUTION_UNIT), Some(1));
        // 1/2.5 µm = 2/5 pixels per µm; ImageJ's pixel width is 1/XResolution.
        assert_eq!(t.rational(page, tag::X_RESOLUTION), Some((2, 5)));
        assert_eq!(t.rational(page, tag::Y_RESOLUTION), Some((2, 5)));
    }
    // ImageJ reads page k at the first strip offset + k × page size.
    let first = t.number(0, tag::STRIP_OFFSETS).unwrap();
    for page in 0..3 {
        assert_eq!(
            t.number(page, tag::STRIP_OFFSETS),
            Some(first + page as u64 * 80)
        );
        assert_eq!(t.number(page, tag::STRIP_BYTE_COUNTS), Some(80));
    }
    assert!(!t.pages[1].contains_key(&tag::IMAGE_DESCRIPTION));

    // Page k, row j, column i is voxel (i, j, k): the .npy's [z][y][x] order.
    assert_eq!(t.data.len(), g.len());
    for (a, b) in t.data.iter().zip(&o2) {
        assert_eq!(a.to_bits(), b.to_bits());
    }
    let at = |page: usize, row: usize, col: usize| t.data[(page * 4 + row) * 5 + col];
    assert_eq!(at(2, 3, 1), 231.75);
    assert_eq!(at(0, 1, 4), 14.75);
    // And straight from the file, without the reader: the contiguous block ImageJ reads.
    let raw = &bytes[first as usize..first as usize + g.len() * 4];
    let k2_j3_i1 = ((2 * 4 + 3) * 5 + 1) * 4;
    assert_eq!(
        f32::from_le_bytes(raw[k2_j3_i1..k2_j3_i1 + 4].try_into().unwrap()),
        231.75
    );
}

#[test]
fn single_slice_tiff_has_no_stack_keys() {
    let g = Grid::from_shape_zyx([1, 2, 3], 10.0);
    let data = field(&g, 0.0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.tif");
    write_tiff(&path, &g, &data, "µM").unwrap();
    let t = read_tiff(&path).unwrap();
    assert_eq!(t.pages.len(), 1);
    assert_eq!(
        t.description(),
        Some("ImageJ=1.11a\nunit=um\ncf=20\nvunit=uM\nmin=0.0\nmax=12.0\n")
    );
    assert_eq!(t.rational(0, tag::X_RESOLUTION), Some((1, 10)));
    assert_eq!(t.data, data);
}
