<?php
/**
 * Plugin Name:       Aftersale Chat
 * Description:       Adds the Aftersale support chat to your WooCommerce storefront.
 * Version:           1.0.0
 * Requires at least: 6.0
 * Requires PHP:      7.4
 * Author:            Aftersale
 * License:           GPL-2.0-or-later
 * Text Domain:       aftersale-chat
 *
 * The widget talks to Aftersale with the store's public widget key. A logged-in customer is
 * passed only as a claim signed with the store's claim secret (HMAC-SHA256, expiring), which
 * Aftersale verifies: a customer id in the page alone would prove nothing, since anyone can
 * edit a page in their browser. The plugin makes the secret itself and shows it here once
 * for the merchant to paste into the Aftersale dashboard; it stays on the server, and only
 * the signed claim, bound to one customer and a short lifetime, reaches the browser.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const AFTERSALE_CHAT_OPTION    = 'aftersale_chat_settings';
const AFTERSALE_CHAT_SECRET    = 'aftersale_chat_claim_secret';
const AFTERSALE_CHAT_CLAIM_TTL = 2 * HOUR_IN_SECONDS;

function aftersale_chat_settings() {
	$defaults = array(
		'app_url'    => 'https://app.aftersale.example',
		'widget_key' => '',
	);
	$saved    = get_option( AFTERSALE_CHAT_OPTION, array() );
	$settings = array_merge( $defaults, is_array( $saved ) ? $saved : array() );
	$settings['claim_secret'] = aftersale_chat_secret();
	return $settings;
}

/** The claim secret, made once (64 letters and digits) and kept out of autoloaded options. */
function aftersale_chat_secret() {
	$secret = get_option( AFTERSALE_CHAT_SECRET, '' );
	if ( ! is_string( $secret ) || ! preg_match( '/^[A-Za-z0-9]{64}$/', $secret ) ) {
		$secret = wp_generate_password( 64, false, false );
		update_option( AFTERSALE_CHAT_SECRET, $secret, false );
	}
	return $secret;
}

register_activation_hook( __FILE__, 'aftersale_chat_secret' );

/* ---------------------------------------------------------------- settings page */

add_action( 'admin_menu', 'aftersale_chat_menu' );
function aftersale_chat_menu() {
	add_options_page( 'Aftersale Chat', 'Aftersale Chat', 'manage_options', 'aftersale-chat', 'aftersale_chat_page' );
}

add_action( 'admin_init', 'aftersale_chat_register' );
function aftersale_chat_register() {
	register_setting(
		'aftersale_chat',
		AFTERSALE_CHAT_OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => 'aftersale_chat_sanitize',
		)
	);
}

function aftersale_chat_sanitize( $input ) {
	$input = is_array( $input ) ? $input : array();
	$held  = aftersale_chat_settings();
	$url   = esc_url_raw( trim( (string) ( $input['app_url'] ?? '' ) ), array( 'https' ) );
	$key   = trim( (string) ( $input['widget_key'] ?? '' ) );
	return array(
		'app_url'    => $url ? untrailingslashit( $url ) : $held['app_url'],
		'widget_key' => preg_match( '/^wk_[A-Za-z0-9_-]{10,60}$/', $key ) ? $key : '',
	);
}

function aftersale_chat_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$settings = aftersale_chat_settings();
	?>
	<div class="wrap">
		<h1>Aftersale Chat</h1>
		<p>Copy the widget key from the Aftersale dashboard (Home &rarr; Chat on your WooCommerce store).</p>
		<form method="post" action="options.php">
			<?php settings_fields( 'aftersale_chat' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="aftersale-app-url">Aftersale address</label></th>
					<td><input id="aftersale-app-url" class="regular-text" type="url"
						name="<?php echo esc_attr( AFTERSALE_CHAT_OPTION ); ?>[app_url]"
						value="<?php echo esc_attr( $settings['app_url'] ); ?>"></td>
				</tr>
				<tr>
					<th scope="row"><label for="aftersale-widget-key">Widget key</label></th>
					<td><input id="aftersale-widget-key" class="regular-text" type="text"
						name="<?php echo esc_attr( AFTERSALE_CHAT_OPTION ); ?>[widget_key]"
						value="<?php echo esc_attr( $settings['widget_key'] ); ?>"></td>
				</tr>
				<tr>
					<th scope="row"><label for="aftersale-claim-secret">Customer claim secret</label></th>
					<td><input id="aftersale-claim-secret" class="regular-text code" type="text" readonly
						value="<?php echo esc_attr( $settings['claim_secret'] ); ?>">
						<p class="description">Paste this into the Aftersale dashboard (Home &rarr; Chat on your
						WooCommerce store) so the chat recognises logged-in customers. Keep it private.</p></td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}

/* ---------------------------------------------------------------- the storefront */

function aftersale_chat_b64url( $data ) {
	return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' );
}

/** The signed claim for the logged-in customer, or '' for a guest or without a secret. */
function aftersale_chat_claim( $settings ) {
	$user_id = get_current_user_id();
	if ( ! $user_id || '' === $settings['claim_secret'] ) {
		return '';
	}
	$user    = wp_get_current_user();
	$payload = aftersale_chat_b64url(
		wp_json_encode(
			array(
				'cid'   => (string) $user_id,
				'email' => (string) $user->user_email,
				'exp'   => time() + AFTERSALE_CHAT_CLAIM_TTL,
			)
		)
	);
	return $payload . '.' . hash_hmac( 'sha256', $payload, $settings['claim_secret'] );
}

add_action( 'wp_footer', 'aftersale_chat_widget' );
function aftersale_chat_widget() {
	$settings = aftersale_chat_settings();
	if ( '' === $settings['widget_key'] || is_admin() ) {
		return;
	}
	$base  = $settings['app_url'];
	$claim = aftersale_chat_claim( $settings );
	printf(
		'<script src="%1$s" defer data-aftersale-chat data-api-base="%2$s" data-widget-key="%3$s" data-shop="%4$s" data-stylesheet="%5$s"%6$s></script>',
		esc_url( $base . '/static/widget/aftersale-chat.js' ),
		esc_url( $base . '/api/chat' ),
		esc_attr( $settings['widget_key'] ),
		esc_attr( wp_parse_url( home_url(), PHP_URL_HOST ) ),
		esc_url( $base . '/static/widget/aftersale-chat.css' ),
		$claim ? ' data-customer-claim="' . esc_attr( $claim ) . '"' : ''
	);
}

// A page with a customer's claim in it must not be served to anyone else from a cache.
add_action( 'template_redirect', 'aftersale_chat_no_shared_cache' );
function aftersale_chat_no_shared_cache() {
	if ( is_user_logged_in() && '' !== aftersale_chat_settings()['claim_secret'] ) {
		nocache_headers();
	}
}
